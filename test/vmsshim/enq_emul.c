/*
 * enq_emul.c -- L2: a model of the lock manager's $ENQW/$DEQ over POSIX,
 * for platform/vms/plat_lock_enq.c (docs/porting-vms.md 4.2).
 *
 * Each lock is its own open file description on one lock database file,
 * holding an OFD byte-range lock at an offset hashed from the resource
 * name: OFD locks conflict between descriptions even inside one process,
 * as $ENQ locks conflict whoever holds them, and they work between
 * processes.  A process-local table maps lock ids to descriptions.
 * Modelled [System Services Reference: $ENQ, $DEQ; Lock manager mode
 * compatibility table]: NL (compatible with all), PR (with NL and PR),
 * EX (with NL only); new locks and conversions (LCK$M_CONVERT, which
 * names the lock by lksb$l_lkid); LCK$M_NOQUEUE returning SS$_NOTQUEUED
 * and leaving a converted lock in its old mode; resource names of 1..31
 * bytes; LCK$M_SYSTEM as a separate name space; the status returned AND
 * put in lksb$w_status.  Not modelled (SS$_BADPARAM): CR, CW, PW, the
 * value block, ASTs, parent locks; queued waits are granted without
 * deadlock detection.  A child made by fork() inherits no locks (VMS has
 * no fork; a new process starts with none).
 */
#define _GNU_SOURCE 1
#include "ms_sys.h"
#include "ms_vmsemul.h"
#include "../../platform/vms/plat_vms.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LOCKS       1024
#define NAME_MAX_ENQ    31

struct elock {
	unsigned int id;        /* 0: slot free */
	int fd;
	unsigned int mode;
	off_t off;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct elock table[MAX_LOCKS];
static unsigned int next_id = 0x100;
static unsigned long live;
static char db_path[512];

/* A forked child holds none of its parent's locks: drop our copies of
   the descriptions (the parent's locks stay: they are its descriptions'
   and close() of one copy of an OFD does not release them). */
static void
after_fork_child(void)
{
	int i;

	for (i = 0; i < MAX_LOCKS; i++) {
		if (table[i].id != 0) {
			(void)close(table[i].fd);
			table[i].id = 0;
		}
	}
	live = 0;
	(void)pthread_mutex_init(&mu, NULL);
}

static void
init_once(void)
{
	const char *env = getenv("MS_EMUL_ENQ_DB");
	const char *tmp = getenv("TMPDIR");

	if (env != NULL && *env != '\0')
		(void)snprintf(db_path, sizeof(db_path), "%s", env);
	else
		(void)snprintf(db_path, sizeof(db_path),
			       "%s/ms-enq-emul-%lu.db",
			       tmp != NULL && *tmp != '\0' ? tmp : "/tmp",
			       (unsigned long)getuid());
	(void)pthread_atfork(NULL, NULL, after_fork_child);
}

static off_t
offset_of(const char *name, size_t n, int system)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)name[i];
		h *= 0x100000001b3ULL;
	}
	h ^= (uint64_t)(system ? 0x5a : 0xa5);
	h *= 0x100000001b3ULL;
	/* 2^40 one-byte ranges: a collision would need ~10^6 names */
	return (off_t)(h & 0xffffffffffULL);
}

/* Put the description fd into mode (NL: no byte lock). */
static unsigned int
apply(int fd, off_t off, unsigned int mode, int wait)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_whence = SEEK_SET;
	fl.l_start = off;
	fl.l_len = 1;
	fl.l_type = mode == LCK$K_EXMODE ? F_WRLCK :
		    mode == LCK$K_PRMODE ? F_RDLCK : F_UNLCK;
	while (fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EACCES)
			return SS$_NOTQUEUED;
		return SS$_ABORT;
	}
	return SS$_NORMAL;
}

static struct elock *
find_locked(unsigned int id)
{
	int i;

	for (i = 0; i < MAX_LOCKS; i++)
		if (table[i].id != 0 && table[i].id == id)
			return &table[i];
	return NULL;
}

static unsigned int
done(struct _lksb *lksb, unsigned int sts)
{
	lksb->lksb$w_status = (unsigned short)sts;
	return sts;
}

int
sys$enqw(unsigned int efn, unsigned int lkmode, struct _lksb *lksb,
	 unsigned int flags, void *resnam, unsigned int parid,
	 void (*astadr)(void *), long long astprm, void (*blkast)(void *),
	 unsigned int acmode, unsigned int rsdm_id, ...)
{
	struct dsc$descriptor_s *d = resnam;
	struct elock *e;
	unsigned int sts, known = LCK$M_CONVERT | LCK$M_NOQUEUE |
				  LCK$M_SYSTEM;
	int fd, i, wait;
	off_t off;

	(void)efn;
	(void)astprm;
	(void)acmode;
	(void)rsdm_id;
	(void)pthread_once(&once, init_once);
	if (lksb == NULL)
		return (int)SS$_ACCVIO;
	if ((flags & ~known) != 0 || parid != 0 || astadr != NULL ||
	    blkast != NULL)
		return (int)SS$_BADPARAM;
	if (lkmode != LCK$K_NLMODE && lkmode != LCK$K_PRMODE &&
	    lkmode != LCK$K_EXMODE)
		return (int)SS$_BADPARAM;
	wait = (flags & LCK$M_NOQUEUE) == 0;

	if ((flags & LCK$M_CONVERT) != 0) {
		(void)pthread_mutex_lock(&mu);
		e = find_locked(lksb->lksb$l_lkid);
		if (e == NULL) {
			(void)pthread_mutex_unlock(&mu);
			return (int)SS$_IVLOCKID;
		}
		fd = e->fd;
		off = e->off;
		(void)pthread_mutex_unlock(&mu);
		sts = apply(fd, off, lkmode, wait);
		if (sts != SS$_NORMAL)
			return (int)sts;     /* NOQUEUE: the old mode stays */
		(void)pthread_mutex_lock(&mu);
		if ((e = find_locked(lksb->lksb$l_lkid)) != NULL)
			e->mode = lkmode;
		(void)pthread_mutex_unlock(&mu);
		return (int)done(lksb, SS$_NORMAL);
	}

	/* a new lock: resource names are 1..31 bytes */
	if (d == NULL || d->dsc$a_pointer == NULL || d->dsc$w_length == 0 ||
	    d->dsc$w_length > NAME_MAX_ENQ)
		return (int)SS$_IVBUFLEN;
	off = offset_of(d->dsc$a_pointer, d->dsc$w_length,
			(flags & LCK$M_SYSTEM) != 0);
	fd = open(db_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return (int)SS$_INSFMEM;
	sts = apply(fd, off, lkmode, wait);
	if (sts != SS$_NORMAL) {
		(void)close(fd);
		return (int)sts;
	}
	(void)pthread_mutex_lock(&mu);
	for (i = 0; i < MAX_LOCKS && table[i].id != 0; i++)
		;
	if (i == MAX_LOCKS) {
		(void)pthread_mutex_unlock(&mu);
		(void)close(fd);
		return (int)SS$_EXQUOTA;     /* ENQLM */
	}
	table[i].id = next_id++;
	if (next_id == 0)
		next_id = 0x100;
	table[i].fd = fd;
	table[i].mode = lkmode;
	table[i].off = off;
	lksb->lksb$l_lkid = table[i].id;
	live++;
	(void)pthread_mutex_unlock(&mu);
	return (int)done(lksb, SS$_NORMAL);
}

/* $DEQ: release the lock (closing its description drops its byte
   lock); SS$_IVLOCKID for an id we do not hold. */
int
sys$deq(unsigned int lkid, void *valblk, unsigned int acmode,
	unsigned int flags)
{
	struct elock *e;
	int fd;

	(void)acmode;
	if (valblk != NULL || flags != 0)
		return (int)SS$_BADPARAM;
	(void)pthread_mutex_lock(&mu);
	e = find_locked(lkid);
	if (e == NULL) {
		(void)pthread_mutex_unlock(&mu);
		return (int)SS$_IVLOCKID;
	}
	fd = e->fd;
	e->id = 0;
	live--;
	(void)pthread_mutex_unlock(&mu);
	(void)close(fd);
	return (int)SS$_NORMAL;
}

unsigned long
ms_emul_enq_count(void)
{
	unsigned long n;

	(void)pthread_mutex_lock(&mu);
	n = live;
	(void)pthread_mutex_unlock(&mu);
	return n;
}
