/* Intrusive circular doubly-linked list. */
#ifndef PL_LIST_H
#define PL_LIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pl_list {
    struct pl_list *prev, *next;
} pl_list;

#define pl_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

static inline void pl_list_init(pl_list *l)
{
    l->prev = l->next = l;
}

static inline bool pl_list_empty(const pl_list *l)
{
    return l->next == l;
}

/* True when the node is linked somewhere (nodes are initialised unlinked). */
static inline bool pl_list_linked(const pl_list *n)
{
    return n->next != n && n->next != NULL;
}

static inline void pl_list_insert_tail(pl_list *head, pl_list *n)
{
    n->prev = head->prev;
    n->next = head;
    head->prev->next = n;
    head->prev = n;
}

static inline void pl_list_remove(pl_list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = n;
}

/* Moves every node of src to the end of dst; src becomes empty. */
static inline void pl_list_splice_tail(pl_list *dst, pl_list *src)
{
    if (pl_list_empty(src))
        return;
    src->next->prev = dst->prev;
    dst->prev->next = src->next;
    src->prev->next = dst;
    dst->prev = src->prev;
    pl_list_init(src);
}

#define pl_list_each(pos, head) for (pl_list *pos = (head)->next; pos != (head); pos = pos->next)
/* Safe against removal of pos. */
#define pl_list_each_safe(pos, tmp, head)                                                          \
    for (pl_list *pos = (head)->next, *tmp = pos->next; pos != (head); pos = tmp, tmp = pos->next)

#endif
