/*
 * plat_log_posix.c -- where formatted log lines go on Linux: stderr (the
 * default; journald takes it under systemd), a file, or syslog.
 *
 * One mutex serialises every write, so lines from threads never mix.  A
 * file sink notices when the file was rotated away (renamed or removed:
 * the inode behind the path changed) at most once a second, and whenever
 * a write fails, and then reopens the path.  Writes never fail visibly:
 * if the file cannot be written the line goes to stderr instead.
 */
#include "ms_sys.h"
#include "ms_plat.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>

#define LOG_FILE_MODE   0640

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum ms_logsink log_sink = MS_LOG_STDERR;
static char log_ident[64] = "msgstore";
static char log_path[1024];
static int log_fd = -1;                 /* MS_LOG_FILE */
static dev_t log_dev;
static ino_t log_ino;
static uint64_t log_checked_ms;         /* last rotation check */

/* Open the log file at log_path; caller holds log_lock. */
static int
file_open_locked(void)
{
	struct stat st;
	int fd;

	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		  O_NOCTTY, LOG_FILE_MODE);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0) {
		log_dev = st.st_dev;
		log_ino = st.st_ino;
	}
	if (log_fd >= 0)
		(void)close(log_fd);
	log_fd = fd;
	log_checked_ms = ms_time_mono_ms();
	return 0;
}

/* Has the file at log_path been rotated away from under log_fd? */
static int
file_rotated_locked(void)
{
	struct stat st;
	uint64_t now = ms_time_mono_ms();

	if (now - log_checked_ms < 1000)
		return 0;
	log_checked_ms = now;
	if (stat(log_path, &st) < 0)
		return 1;
	return st.st_dev != log_dev || st.st_ino != log_ino;
}

static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int
ms_plat_log_open(enum ms_logsink sink, const char *ident, const char *path,
		 struct ms_perr *err)
{
	int rc = 0;

	if (sink == MS_LOG_FILE && (path == NULL || *path == '\0' ||
				    strlen(path) >= sizeof(log_path)))
		return ms_perr_set(err, MS_INVALID, 0, "log_open: bad path");
	if (sink != MS_LOG_STDERR && sink != MS_LOG_FILE &&
	    sink != MS_LOG_SYSLOG)
		return ms_perr_set(err, MS_INVALID, 0, "log_open: bad sink");
	pthread_mutex_lock(&log_lock);
	if (log_sink == MS_LOG_SYSLOG)
		closelog();
	if (log_fd >= 0) {
		(void)close(log_fd);
		log_fd = -1;
	}
	if (ident != NULL && *ident != '\0')
		copy_str(log_ident, sizeof(log_ident), ident);
	log_sink = sink;
	if (sink == MS_LOG_FILE) {
		copy_str(log_path, sizeof(log_path), path);
		if (file_open_locked() < 0) {
			rc = ms_perr_set(err, errno == ENOENT ? MS_NOTFOUND :
					 errno == EACCES ? MS_PERM : MS_IO,
					 errno, "log_open: cannot open file");
			log_sink = MS_LOG_STDERR;
		}
	} else if (sink == MS_LOG_SYSLOG) {
		/* log_ident is static, as openlog() requires */
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	}
	pthread_mutex_unlock(&log_lock);
	return rc;
}

static int
syslog_prio(enum ms_lvl lvl)
{
	switch (lvl) {
	case MS_LVL_DEBUG:
		return LOG_DEBUG;
	case MS_LVL_INFO:
		return LOG_INFO;
	case MS_LVL_WARN:
		return LOG_WARNING;
	case MS_LVL_ERROR:
		return LOG_ERR;
	case MS_LVL_FATAL:
		return LOG_CRIT;
	case MS_LVL_PANIC:
		return LOG_ALERT;
	}
	return LOG_ERR;
}

/* Write all of iov to fd (one writev normally does it). */
static int
write_all(int fd, struct iovec *iov, int n)
{
	ssize_t w;

	while (n > 0) {
		w = writev(fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

void
ms_plat_log_write(enum ms_lvl lvl, const char *line, size_t len)
{
	struct iovec iov[2];
	int saved_errno = errno;

	if (line == NULL)
		return;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	pthread_mutex_lock(&log_lock);
	if (log_sink == MS_LOG_SYSLOG) {
		syslog(syslog_prio(lvl), "%.*s",
		       len > INT_MAX ? INT_MAX : (int)len, line);
		goto out;
	}
	iov[0].iov_base = (void *)line;
	iov[0].iov_len = len;
	iov[1].iov_base = (void *)"\n";
	iov[1].iov_len = 1;
	if (log_sink == MS_LOG_FILE) {
		/* lines arrive formatted with ts= and prog= (ms_log.c) */
		if (log_fd < 0 || file_rotated_locked())
			(void)file_open_locked();
		if (log_fd >= 0 && write_all(log_fd, iov, 2) == 0)
			goto out;
		/* the write failed: reopen once, then fall back to stderr */
		if (file_open_locked() == 0 && write_all(log_fd, iov, 2) == 0)
			goto out;
	}
	(void)write_all(STDERR_FILENO, iov, 2);
out:
	pthread_mutex_unlock(&log_lock);
	errno = saved_errno;
}

void
ms_plat_log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_sink == MS_LOG_SYSLOG)
		closelog();
	if (log_fd >= 0) {
		(void)close(log_fd);
		log_fd = -1;
	}
	log_sink = MS_LOG_STDERR;
	pthread_mutex_unlock(&log_lock);
}
