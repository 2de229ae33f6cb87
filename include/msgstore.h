/*
 * msgstore.h -- the public C API of libmsgstore.
 *
 * This is the header the msgstore CLI, the servers and site-written
 * utilities include.  It grows with the store: accounts, mailboxes,
 * delivery and reconstruct arrive with the store issue; today it holds the
 * library's version.
 *
 * The version strings: MS_VERSION is the release number every program
 * prints for --version.  The build description names the version, the
 * operating system family, the platform interface version and the C
 * standard; it contains no build date or host name, so two builds of the
 * same source are identical (reproducible builds).  A packager may add an
 * identifier such as a git revision with -DMS_BUILD_ID='"..."'.
 */
#ifndef MS_MSGSTORE_H
#define MS_MSGSTORE_H

#define MS_VERSION              "0.1.0"
#define MS_VERSION_MAJOR        0
#define MS_VERSION_MINOR        1
#define MS_VERSION_PATCH        0

/* "0.1.0": the same text as MS_VERSION, for code that links against a
   library that may be newer than its headers.  Static; thread safe. */
const char *ms_version(void);

/* "msgstore 0.1.0 (Linux; platform interface 1; C 199901)" with the
   optional build identifier appended.  Static; thread safe. */
const char *ms_version_build(void);

#endif /* MS_MSGSTORE_H */
