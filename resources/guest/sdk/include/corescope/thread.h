/* thread.h -- more threads in this component: each with its own stack in the stack area,
 * directly below its UTCB (the layout the kernel gives every thread's stack-area slot). */
#ifndef CORESCOPE_THREAD_H
#define CORESCOPE_THREAD_H

/* Creates a thread of this component named `name` that will run fn() on a fresh stack of
 * `stack_size` bytes (RAM from this PD's quota); it does not run until thread_start. */
int thread_create(char const *name, void (*fn)(void), unsigned stack_size, unsigned *thread_out);

/* Starts a thread made by thread_create. */
int thread_start(unsigned thread);

#endif /* CORESCOPE_THREAD_H */
