#include "ring.h"

static size_t ring_index(const ring_t *r, size_t offset)
{
    return (r->head + offset) % RING_CAPACITY;
}

void ring_init(ring_t *r)
{
    r->head = 0;
    r->count = 0;
}

enum ring_status ring_push(ring_t *r, int value)
{
    if (r->count == RING_CAPACITY) {
        return RING_FULL;
    }
    r->data[ring_index(r, r->count)] = value;
    r->count++;
    return RING_OK;
}

enum ring_status ring_pop(ring_t *r, int *out)
{
    if (r->count == 0) {
        return RING_EMPTY;
    }
    *out = r->data[r->head];
    r->head = ring_index(r, 1);
    r->count--;
    return RING_OK;
}
