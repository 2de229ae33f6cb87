/*
 * ms_sys.h -- the one place that knows which operating system this is.
 *
 * Every .c file includes this header first.  It turns OS macros (__VMS,
 * __linux__) into feature macros (MS_HAVE_*, MS_PATH_*) and defines the
 * attribute macros the rest of the tree uses.  Nothing outside platform/
 * may test an OS macro: tools/lint_core.sh enforces that in `make check`.
 *
 * Only standard C headers are included here, so the portable core stays
 * free of operating-system headers.
 */
#ifndef MS_SYS_H
#define MS_SYS_H

/* ---- operating system -> feature macros -------------------------------- */

#if defined(__VMS) || defined(__vms) || defined(MS_FORCE_VMS)
#  define MS_OS_NAME            "OpenVMS"
#  define MS_PATH_VMS           1   /* DEV:[DIR.SUB]NAME.TYPE;V file specs */
#  define MS_HAVE_ENQ           1   /* lock manager $ENQ/$DEQ */
#  define MS_HAVE_RMS           1
#  define MS_HAVE_SELECT        1   /* select() on sockets only */
#  define MS_HAVE_PTHREADS      1
#elif defined(__linux__)
#  define MS_OS_NAME            "Linux"
#  define MS_PATH_POSIX         1
#  define MS_HAVE_EPOLL         1
#  define MS_HAVE_FCNTL_LOCK    1
#  define MS_HAVE_OFD_LOCK      1   /* open-file-description locks */
#  define MS_HAVE_PTHREADS      1
#  define MS_HAVE_SENDFILE      1
#  define MS_HAVE_SYSLOG        1
#  define MS_HAVE_GETRANDOM     1
#  define MS_HAVE_ACCEPT4       1   /* accept4(SOCK_CLOEXEC|SOCK_NONBLOCK) */
#else
#  define MS_OS_NAME            "POSIX"
#  define MS_PATH_POSIX         1
#  define MS_HAVE_FCNTL_LOCK    1
#  define MS_HAVE_PTHREADS      1
#  define MS_HAVE_SYSLOG        1
#endif

/* ---- compiler attributes: empty where the compiler lacks them ------------ */

#if defined(__GNUC__) || defined(__clang__)
#  define MS_FMT(f, a)          __attribute__((format(printf, f, a)))
#  define MS_NORETURN           __attribute__((noreturn))
#  define MS_UNUSED             __attribute__((unused))
#  define MS_WARN_UNUSED        __attribute__((warn_unused_result))
#else
#  define MS_FMT(f, a)
#  define MS_NORETURN
#  define MS_UNUSED
#  define MS_WARN_UNUSED
#endif

/* ---- fixed-width types and limits every module may rely on -------------- */

#include <stddef.h>
#include <stdint.h>
#include <limits.h>

/*
 * Largest single allocation the pools and buffers will make.  Anything a
 * client could make larger (a literal, a line) streams instead.
 */
#define MS_MAX_ALLOC            ((size_t)1 << 30)

/* Longest external identifier the VMS linker keeps apart (names <= 31). */
#define MS_MAX_EXTNAME          31

#endif /* MS_SYS_H */
