/* corescope/region_map.h -- Region_map client (env->rm is the component's address space).
 * Results: RPC code or negative SYS_* error. */
#ifndef CORESCOPE_REGION_MAP_H
#define CORESCOPE_REGION_MAP_H

struct attach_args {
	unsigned size;       /* bytes to attach (0: the dataspace from offset on) */
	unsigned offset;     /* offset into the dataspace */
	unsigned use_at;     /* non-zero: attach at `at`, else the region map picks the address */
	unsigned at;
	unsigned executable;
	unsigned writeable;
};

/* Attaches dataspace `ds`; a == 0 means the whole dataspace, writeable, anywhere.
 * REGION_CONFLICT, INVALID_DATASPACE, OUT_OF_RAM, OUT_OF_CAPS. */
int rm_attach(unsigned rm, unsigned ds, struct attach_args const *a, unsigned *addr_out);
int rm_detach(unsigned rm, unsigned addr);
int rm_fault_handler(unsigned rm, unsigned context);

#define RM_FAULT_NONE  0
#define RM_FAULT_READ  1
#define RM_FAULT_WRITE 2
#define RM_FAULT_EXEC  3

struct rm_fault {
	unsigned type;   /* RM_FAULT_* */
	unsigned addr;   /* within the region map */
	unsigned thread; /* kernel thread id */
};

/* The oldest unresolved fault. */
int rm_fault(unsigned rm, struct rm_fault *fault_out);
/* The region map as a managed dataspace. */
int rm_dataspace(unsigned rm, unsigned *ds_out);

#endif /* CORESCOPE_REGION_MAP_H */
