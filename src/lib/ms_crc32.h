/*
 * ms_crc32.h -- CRC-32 with zlib's polynomial and values (crc32(0, p, n)),
 * the checksum of every record of the store's index, log, cache and quota
 * files.  Pure; thread safe.
 */
#ifndef MS_CRC32_H
#define MS_CRC32_H

#include "ms_sys.h"

uint32_t ms_crc32(const void *data, size_t len);

#endif /* MS_CRC32_H */
