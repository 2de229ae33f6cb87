/*
 * plat_lock_enq.c -- store locks of the "rms" back end on the VMS lock
 * manager ($ENQW/$DEQ).
 *
 * A lock is a resource "MS$" + 26 base-32 characters hashing the root's
 * identity (device + directory id) and the resource name, so it fits the
 * 31-byte limit and every node of a cluster that reaches the same root
 * names the same resource.  Each take is a fresh lock: an NL lock is
 * queued first, then converted (LCK$M_CONVERT) to PR (shared) or EX
 * (exclusive) with LCK$M_NOQUEUE, polled until the timeout; two takes in
 * one process conflict like takes in two processes, which is what the
 * contract asks.  Both the service's return value and the status in the
 * lock status block are checked.  Resource names are system-wide
 * (LCK$M_SYSTEM), so the servers, the CLI run from SYSTEM and any
 * other process on the store exclude each other whatever their UIC
 * group; the images therefore need SYSLCK (the kit installs them with
 * it, or the MSGSTORE account holds it).
 */
#include "ms_sys.h"
#include "plat_vms.h"
#include "ms_plat_int.h"

#include <stdlib.h>
#include <string.h>

struct enq_lock {
	struct ms_plock base;
	unsigned int lkid;
};

/* Longest pause between NOQUEUE attempts while waiting. */
#define POLL_MAX_MS     50

static const char b32[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

/* FNV-1a over key then resource, with a separator that cannot occur in
   a resource name. */
static uint64_t
hash64(uint64_t h, const unsigned char *key, size_t keylen,
       const char *resource)
{
	size_t i;

	for (i = 0; i < keylen; i++) {
		h ^= key[i];
		h *= (uint64_t)0x100000001b3ULL;
	}
	h ^= 0xff;
	h *= (uint64_t)0x100000001b3ULL;
	for (; *resource != '\0'; resource++) {
		h ^= (unsigned char)*resource;
		h *= (uint64_t)0x100000001b3ULL;
	}
	/* final mix so every input bit reaches the low bits we print */
	h ^= h >> 33;
	h *= (uint64_t)0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* 13 base-32 characters for 64 bits (the top character has 4). */
static void
put_b32(char *out, uint64_t v)
{
	int i;

	for (i = 12; i >= 0; i--) {
		out[i] = b32[v & 31];
		v >>= 5;
	}
}

void
ms_vms_enq_name(const unsigned char *key, size_t keylen,
		const char *resource, char name[32])
{
	memcpy(name, "MS$", 3);
	put_b32(name + 3, hash64((uint64_t)0xcbf29ce484222325ULL, key,
				 keylen, resource));
	put_b32(name + 16, hash64((uint64_t)0x84222325cbf29ce4ULL, key,
				  keylen, resource));
	name[29] = '\0';
}

/* The status of an $ENQW: the return value, and when that is success,
   the final status in the lock status block. */
static unsigned int
enq_status(int ret, const struct _lksb *lksb)
{
	if (!$VMS_STATUS_SUCCESS((unsigned int)ret))
		return (unsigned int)ret;
	return lksb->lksb$w_status;
}

static void
dequeue(unsigned int lkid)
{
	(void)sys$deq(lkid, 0, 0, 0);
}

int
ms_vms_enq_take(const unsigned char *key, size_t keylen,
		const char *resource, enum ms_lockmode mode,
		unsigned timeout_ms, struct ms_plock **lk_r,
		struct ms_perr *err)
{
	struct enq_lock *lk;
	struct _lksb lksb;
	struct dsc$descriptor_s d;
	char name[32];
	unsigned int sts, want, pause = 1;
	uint64_t deadline, now;

	*lk_r = NULL;
	want = mode == MS_LOCK_EXCL ? LCK$K_EXMODE : LCK$K_PRMODE;
	lk = calloc(1, sizeof(*lk));
	if (lk == NULL)
		return ms_perr_set(err, MS_NOMEM, 0, "lock: no memory");
	ms_vms_enq_name(key, keylen, resource, name);
	d.dsc$w_length = (unsigned short)strlen(name);
	d.dsc$b_dtype = DSC$K_DTYPE_T;
	d.dsc$b_class = DSC$K_CLASS_S;
	d.dsc$a_pointer = name;

	/* 1. an NL lock: never waits, gives us a lock id to convert */
	memset(&lksb, 0, sizeof(lksb));
	sts = enq_status(sys$enqw(EFN$C_ENF, LCK$K_NLMODE, &lksb,
				  LCK$M_SYSTEM, &d, 0, 0, 0, 0, 0, 0), &lksb);
	if (!$VMS_STATUS_SUCCESS(sts)) {
		free(lk);
		return ms_vms_perr(err, sts, 0, "lock: $ENQ NL", name);
	}
	lk->lkid = lksb.lksb$l_lkid;

	/* 2. convert up, without queueing, until granted or timed out */
	deadline = ms_time_mono_ms() + timeout_ms;
	for (;;) {
		lksb.lksb$l_lkid = lk->lkid;
		sts = enq_status(sys$enqw(EFN$C_ENF, want, &lksb,
					  LCK$M_CONVERT | LCK$M_NOQUEUE, 0, 0,
					  0, 0, 0, 0, 0), &lksb);
		if ($VMS_STATUS_SUCCESS(sts))
			break;
		if (sts != SS$_NOTQUEUED) {
			dequeue(lk->lkid);
			free(lk);
			return ms_vms_perr(err, sts, 0, "lock: convert", name);
		}
		now = ms_time_mono_ms();
		if (now >= deadline) {
			dequeue(lk->lkid);
			free(lk);
			return ms_perr_set(err, MS_LOCKED, (long)sts,
					   "lock: held elsewhere");
		}
		ms_time_sleep_ms(deadline - now < pause ?
				 (unsigned)(deadline - now) : pause);
		if (pause < POLL_MAX_MS)
			pause *= 2;
	}
	*lk_r = &lk->base;
	return 0;
}

/* $DEQ releases the lock and with it our interest in the resource; the
   last one out lets the lock manager forget the resource. */
void
ms_vms_enq_release(struct ms_plock *lk)
{
	struct enq_lock *el = (struct enq_lock *)(void *)lk;

	dequeue(el->lkid);
	free(el);
}
