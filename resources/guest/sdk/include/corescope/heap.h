/* corescope/heap.h -- malloc and friends on RAM dataspaces of the component's own PD.
 *
 * The heap grows in chunks of at least HEAP_CHUNK_MIN bytes (pd alloc_ram + attach to the
 * address space); blocks are 16-byte aligned; free blocks are kept in an address-ordered
 * first-fit list and coalesced. Chunks are never returned. malloc returns 0 when the PD has no
 * RAM (or caps) left; heap_last_error() then says why (RPC_OUT_OF_RAM ...). */
#ifndef CORESCOPE_HEAP_H
#define CORESCOPE_HEAP_H

#include <corescope/libc.h>

#define HEAP_CHUNK_MIN (64u * 1024)

void *malloc(size_t size);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);

/* The RPC result of the last failed chunk allocation (RPC_OK if none failed). */
int heap_last_error(void);

struct heap_stats {
	unsigned chunks;      /* dataspaces allocated */
	unsigned chunk_bytes; /* their total size */
	unsigned used_bytes;  /* in allocated blocks, headers included */
};
void heap_stats(struct heap_stats *s);

#endif /* CORESCOPE_HEAP_H */
