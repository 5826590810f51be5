/* A fixed-size ring buffer of ints: the C side of the demo workspace. */
#ifndef RING_H
#define RING_H

#include <stddef.h>

#define RING_CAPACITY 16

typedef struct ring {
    int data[RING_CAPACITY];
    size_t head;
    size_t count;
} ring_t;

enum ring_status { RING_OK, RING_FULL, RING_EMPTY };

void ring_init(ring_t *r);
enum ring_status ring_push(ring_t *r, int value);
enum ring_status ring_pop(ring_t *r, int *out);

#endif
