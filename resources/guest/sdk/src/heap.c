/* malloc/free on RAM dataspaces (corescope/heap.h).
 *
 * Every block starts with a 16-byte header; sizes include the header and are multiples of 16,
 * so payloads are 16-byte aligned (chunks are page aligned). Free blocks form a singly linked
 * list sorted by address; freeing merges a block with its free neighbours. */
#include <corescope/heap.h>
#include <corescope/env.h>
#include <corescope/pd_session.h>
#include <corescope/region_map.h>
#include <corescope/rpc.h>

#define ALIGN      16u
#define HDR        16u
#define MIN_BLOCK  32u
#define PAGE       4096u
#define MAGIC_USED 0x75736564u /* "used" */
#define MAGIC_FREE 0x66726565u /* "free" */
#define MAX_REQ    0x7ff00000u

struct block {
	unsigned size; /* bytes, header included */
	unsigned magic;
	struct block *next; /* free blocks: next free block at a higher address */
	unsigned pad;
};

_Static_assert(sizeof(struct block) == HDR, "heap block header");

static struct block *free_list;
static struct heap_stats stats;
static int last_error = RPC_OK;

int heap_last_error(void) { return last_error; }

void heap_stats(struct heap_stats *s) { *s = stats; }

/* Puts b into the address-ordered free list and merges it with adjacent free blocks. */
static void insert_free(struct block *b)
{
	struct block *prev = 0, *next = free_list;
	while (next && next < b) {
		prev = next;
		next = next->next;
	}
	b->magic = MAGIC_FREE;
	b->next = next;
	if (next && (char *)b + b->size == (char *)next) {
		b->size += next->size;
		b->next = next->next;
		next->magic = 0;
	}
	if (prev && (char *)prev + prev->size == (char *)b) {
		prev->size += b->size;
		prev->next = b->next;
		b->magic = 0;
	} else if (prev) {
		prev->next = b;
	} else {
		free_list = b;
	}
}

/* Adds a chunk of at least `need` bytes to the free list; returns 0 on failure. */
static int grow(unsigned need)
{
	struct env *env = env_get();
	unsigned size = (need + PAGE - 1) & ~(PAGE - 1);
	if (size < HEAP_CHUNK_MIN)
		size = HEAP_CHUNK_MIN;
	unsigned ds, addr;
	int r = pd_alloc_ram(env->pd, size, &ds);
	if (r != RPC_OK) {
		last_error = r;
		return 0;
	}
	struct attach_args a = { .size = size, .writeable = 1 };
	r = rm_attach(env->rm, ds, &a, &addr);
	if (r != RPC_OK) {
		pd_free_ram(env->pd, ds);
		last_error = r;
		return 0;
	}
	stats.chunks++;
	stats.chunk_bytes += size;
	struct block *b = (struct block *)addr;
	b->size = size;
	insert_free(b);
	return 1;
}

void *malloc(size_t n)
{
	if (n > MAX_REQ)
		return 0;
	unsigned need = ((unsigned)n + HDR + ALIGN - 1) & ~(ALIGN - 1);
	if (need < MIN_BLOCK)
		need = MIN_BLOCK;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct block **link = &free_list;
		for (struct block *b = free_list; b; link = &b->next, b = b->next) {
			if (b->size < need)
				continue;
			if (b->size - need >= MIN_BLOCK) {
				struct block *rest = (struct block *)((char *)b + need);
				rest->size = b->size - need;
				rest->magic = MAGIC_FREE;
				rest->next = b->next;
				*link = rest;
				b->size = need;
			} else {
				*link = b->next;
			}
			b->magic = MAGIC_USED;
			b->next = 0;
			stats.used_bytes += b->size;
			return (char *)b + HDR;
		}
		if (attempt == 0 && !grow(need))
			return 0;
	}
	return 0;
}

static struct block *block_of(void *p)
{
	struct block *b = (struct block *)((char *)p - HDR);
	return b->magic == MAGIC_USED ? b : 0;
}

void free(void *p)
{
	if (!p)
		return;
	struct block *b = block_of(p);
	if (!b)
		return; /* not ours, or freed twice */
	stats.used_bytes -= b->size;
	insert_free(b);
}

void *calloc(size_t n, size_t size)
{
	if (size && n > MAX_REQ / size)
		return 0;
	void *p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return 0;
	}
	struct block *b = block_of(p);
	if (!b || n > MAX_REQ)
		return 0;
	unsigned need = ((unsigned)n + HDR + ALIGN - 1) & ~(ALIGN - 1);
	if (need < MIN_BLOCK)
		need = MIN_BLOCK;
	if (b->size >= need) {
		if (b->size - need >= MIN_BLOCK) {
			struct block *rest = (struct block *)((char *)b + need);
			rest->size = b->size - need;
			stats.used_bytes -= rest->size;
			b->size = need;
			insert_free(rest);
		}
		return p;
	}
	void *q = malloc(n);
	if (!q)
		return 0;
	memcpy(q, p, b->size - HDR);
	free(p);
	return q;
}
