/* shm.h -- the shared-memory protocol of shm_server, shm_writer and shm_reader.
 *
 * shm_server hands out one managed dataspace (SHM_SIZE bytes of virtual space) whose first page
 * is backed by a RAM dataspace; the rest stays empty. The writer and the reader attach it and
 * talk through `struct shm_mailbox` at offset 0: the writer puts a message there and bumps
 * `seq` (odd while it writes, even when the message is complete); the reader copies a complete
 * message and acknowledges its sequence number in `ack`. */
#ifndef MEMORY_SHM_H
#define MEMORY_SHM_H

#define SHM_SIZE     0x10000u /* the managed dataspace: 64 KiB of virtual space */
#define SHM_BACKED   0x1000u  /* of which the first page is backed by RAM */
#define SHM_MESSAGES 3

/* Shm session interface: dataspace() -> (cap dataspace). */
#define SHM_DATASPACE 1

struct shm_mailbox {
	volatile unsigned seq;     /* even: text and counter complete; odd: being written */
	volatile unsigned ack;     /* last seq the reader has taken */
	volatile unsigned counter; /* the writer's message number */
	volatile unsigned writer_va; /* where the writer sees the mailbox */
	char text[64];
};

#endif /* MEMORY_SHM_H */
