/*
 * plat_init_linux.c -- start-up of the Linux platform layer.
 *
 * Registers the native "posix" file-system back end first (so it is the
 * one ms_pfs_find(NULL) returns), then the "fault" back end that wraps
 * it.  Idempotent; call from main() before starting threads.
 *
 * It also fixes glibc's mmap threshold: by default the threshold rises
 * after a large block is freed, up to 32 MiB, so mailbox views (~72 bytes
 * a message, freed while a session waits in IDLE) come from the heap and
 * stay resident after free.  Fixed at 4 MiB, views of the largest
 * mailboxes are mapped and given back at once, while smaller ones (and
 * the pools of every command) stay cheap heap blocks: 128 KiB cost
 * SELECT of 20,000 messages 1 ms in page faults (bench/README.md).
 */
#include "ms_sys.h"
#include "ms_plat.h"
#include "ms_plat_int.h"

#include <malloc.h>

#define PLAT_MMAP_THRESHOLD     (4 * 1024 * 1024)

static int plat_ready;

int
ms_plat_init(struct ms_perr *err)
{
	if (plat_ready)
		return 0;
	(void)mallopt(M_MMAP_THRESHOLD, PLAT_MMAP_THRESHOLD);
	if (ms_pfs_register(&ms_pfs_posix_ops) < 0 ||
	    ms_pfs_register(&ms_pfs_fault_ops) < 0)
		return ms_perr_set(err, MS_INVALID, 0,
				   "plat_init: cannot register back ends");
	plat_ready = 1;
	return 0;
}
