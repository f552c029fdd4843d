/* corescope/dataspace.h -- Dataspace client. Results: RPC code or negative SYS_* error. */
#ifndef CORESCOPE_DATASPACE_H
#define CORESCOPE_DATASPACE_H

int ds_size(unsigned ds, unsigned *size_out);
int ds_writeable(unsigned ds, unsigned *writeable_out);

#endif /* CORESCOPE_DATASPACE_H */
