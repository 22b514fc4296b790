/*
 * mm_err.h - the error numbers returned by the memory modules (memmap, buddy,
 * heap): negative errno-style ints, since the kernel has no errno.h.
 */
#ifndef MM_ERR_H
#define MM_ERR_H

#define MM_ENOMEM   (-12) /* nothing free of the size asked */
#define MM_EINVAL   (-22) /* bad argument: misaligned, empty, not a block */
#define MM_ENOSPC   (-28) /* a fixed-capacity table is full */
#define MM_ERANGE   (-34) /* address outside what the structure manages */
#define MM_EALREADY (-114) /* already done: double free, range added twice */

#endif /* MM_ERR_H */
