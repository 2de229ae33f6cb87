/*
 * plat_log_vms.c -- where formatted log lines go on OpenVMS: SYS$ERROR
 * (stderr, the default), a log file, or "syslog", which on VMS means the
 * log file (or SYS$ERROR when no file is named) plus an OPCOM message for
 * FATAL and PANIC lines, so an operator sees them at once.
 *
 * One mutex serialises every write; each line is one write() of prefix +
 * text + "\n", so lines from threads never mix and a record-oriented
 * SYS$ERROR gets one record per line.  The log file is a STREAM_LF file
 * the CRTL creates; with DECC$FILE_SHARING others can TYPE it while we
 * write.  Writes never fail visibly: a failing file falls back to stderr.
 */
#include "ms_sys.h"
#include "plat_vms.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LOG    8192
#define OPCOM_TEXT_MAX  128

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum ms_logsink log_sink = MS_LOG_STDERR;
static char log_ident[64] = "msgstore";
static char log_path[1024];
static int log_fd = -1;

static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Open (or create) the log file for appending; caller holds log_lock.
   An existing file is appended to, not superseded by a new version. */
static int
file_open_locked(void)
{
	int fd;

	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0640);
	if (fd < 0)
		return -1;
	if (log_fd >= 0)
		(void)close(log_fd);
	log_fd = fd;
	return 0;
}

int
ms_plat_log_open(enum ms_logsink sink, const char *ident, const char *path,
		 struct ms_perr *err)
{
	int rc = 0;

	if (sink == MS_LOG_FILE && (path == NULL || *path == '\0'))
		return ms_perr_set(err, MS_INVALID, 0, "log_open: bad path");
	if (path != NULL && strlen(path) >= sizeof(log_path))
		return ms_perr_set(err, MS_INVALID, 0, "log_open: bad path");
	if (sink != MS_LOG_STDERR && sink != MS_LOG_FILE &&
	    sink != MS_LOG_SYSLOG)
		return ms_perr_set(err, MS_INVALID, 0, "log_open: bad sink");
	(void)pthread_mutex_lock(&log_lock);
	if (log_fd >= 0) {
		(void)close(log_fd);
		log_fd = -1;
	}
	if (ident != NULL && *ident != '\0')
		copy_str(log_ident, sizeof(log_ident), ident);
	log_sink = sink;
	log_path[0] = '\0';
	if (path != NULL && *path != '\0' && sink != MS_LOG_STDERR) {
		copy_str(log_path, sizeof(log_path), path);
		if (file_open_locked() < 0) {
			rc = ms_perr_set(err, errno == ENOENT ? MS_NOTFOUND :
					 errno == EACCES ? MS_PERM : MS_IO,
					 errno, "log_open: cannot open file");
			log_sink = MS_LOG_STDERR;
		}
	}
	(void)pthread_mutex_unlock(&log_lock);
	return rc;
}

/*
 * An operator request to the central operator: message type, a 3-byte
 * operator mask, a request id, then the text (verify the OPC$ layout
 * and whether the account needs OPER).  Failures are ignored: the line
 * also went to the file.
 */
static void
opcom_send(const char *line, size_t len)
{
	unsigned char msg[8 + OPCOM_TEXT_MAX];
	struct dsc$descriptor_s d;
	unsigned int mask = OPC$M_NM_CENTRL;
	int n;

	memset(msg, 0, sizeof(msg));
	msg[0] = (unsigned char)OPC$_RQ_RQST;
	msg[1] = (unsigned char)(mask & 0xff);
	msg[2] = (unsigned char)((mask >> 8) & 0xff);
	msg[3] = (unsigned char)((mask >> 16) & 0xff);
	n = snprintf((char *)msg + 8, OPCOM_TEXT_MAX, "%s: %.*s", log_ident,
		     (int)(len > OPCOM_TEXT_MAX ? OPCOM_TEXT_MAX : len), line);
	if (n < 0)
		return;
	if (n >= OPCOM_TEXT_MAX)
		n = OPCOM_TEXT_MAX - 1;
	d.dsc$w_length = (unsigned short)(8 + n);
	d.dsc$b_dtype = DSC$K_DTYPE_T;
	d.dsc$b_class = DSC$K_CLASS_S;
	d.dsc$a_pointer = (char *)msg;
	(void)sys$sndopr(&d, 0);
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

void
ms_plat_log_write(enum ms_lvl lvl, const char *line, size_t len)
{
	static char buf[LINE_MAX_LOG + 128];
	struct tm tm;
	time_t now;
	size_t pre = 0;
	int saved_errno = errno, n, written = 0;

	if (line == NULL)
		return;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len > LINE_MAX_LOG)
		len = LINE_MAX_LOG;
	(void)pthread_mutex_lock(&log_lock);
	if (log_fd >= 0) {
		/* files carry their own time stamp and process */
		now = time(NULL);
		if (gmtime_r(&now, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		n = snprintf(buf, 128,
			     "%04d-%02d-%02dT%02d:%02d:%02dZ %s[%08lx]: ",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			     tm.tm_hour, tm.tm_min, tm.tm_sec, log_ident,
			     (unsigned long)getpid());
		pre = n > 0 && n < 128 ? (size_t)n : 0;
	}
	memcpy(buf + pre, line, len);
	buf[pre + len] = '\n';
	if (log_fd >= 0 && write_all(log_fd, buf, pre + len + 1) == 0)
		written = 1;
	else if (log_fd >= 0 && file_open_locked() == 0 &&
		 write_all(log_fd, buf, pre + len + 1) == 0)
		written = 1;    /* reopened: the file was rotated away */
	if (!written)
		(void)write_all(STDERR_FILENO, buf + pre, len + 1);
	if (log_sink == MS_LOG_SYSLOG &&
	    (lvl == MS_LVL_FATAL || lvl == MS_LVL_PANIC))
		opcom_send(line, len);
	(void)pthread_mutex_unlock(&log_lock);
	errno = saved_errno;
}

void
ms_plat_log_close(void)
{
	(void)pthread_mutex_lock(&log_lock);
	if (log_fd >= 0) {
		(void)close(log_fd);
		log_fd = -1;
	}
	log_sink = MS_LOG_STDERR;
	(void)pthread_mutex_unlock(&log_lock);
}
