/*
 * heap.c - size-class heap: each 4 KiB page holds objects of one class behind
 * a small header, so heap_free finds the class from the pointer alone.
 */
#include "heap.h"

#include <stdbool.h>
#include <string.h>

/*
 * A page of class c (object size s = 16 << c):
 *
 *   +0   struct heap_page (48 bytes)
 *   +48  object 0 | object 1 | ... | object n-1 | unused tail
 *
 * A free object holds { next free object, HEAP_FREE_TAG ^ its address }
 * in its first 16 bytes and HEAP_JUNK after them; a live object has no tag.
 * A page is on partial[c] exactly when 0 < nfree < nobj; a page whose
 * objects are all free goes back to the source at once.  A large page
 * (class HEAP_CLASS_LARGE) holds one object at +48 and is never on a list.
 */
#define HEAP_PAGE_MAGIC  0x48656170u /* "Heap" */
#define HEAP_CLASS_LARGE 0xffffu
#define HEAP_FREE_TAG    0xf4eef4eef4eef4eeull
#define PAGE_SIZE        4096u
_Static_assert(PAGE_SIZE == PLAT_PAGE_SIZE, "the heap carves platform pages");

struct heap_page {
	uint32_t magic;            /* +0  HEAP_PAGE_MAGIC while owned */
	uint16_t cls;              /* +4  size class, or HEAP_CLASS_LARGE */
	uint16_t nfree;            /* +6  free objects */
	uint16_t nobj;             /* +8  objects in the page */
	uint16_t pad[3];           /* +10 */
	void *free;                /* +16 first free object */
	struct heap_page *next;    /* +24 partial list */
	struct heap_page *prev;    /* +32 */
	struct heap *owner;        /* +40 */
};
_Static_assert(sizeof(struct heap_page) == HEAP_HDR_SIZE, "heap page header");
_Static_assert(HEAP_HDR_SIZE % HEAP_MIN_ALIGN == 0, "objects stay aligned");

struct free_obj {
	void *next;
	uint64_t tag;
};

static size_t class_size(unsigned c)
{
	return (size_t)16 << c;
}

static unsigned class_of(size_t size)
{
	unsigned c = 0;

	while (class_size(c) < size)
		c++;
	return c;
}

static struct heap_page *page_of(const void *ptr)
{
	return (struct heap_page *)((uintptr_t)ptr & ~(uintptr_t)(PAGE_SIZE - 1));
}

static uint8_t *objects(struct heap_page *pg)
{
	return (uint8_t *)pg + HEAP_HDR_SIZE;
}

void heap_init(struct heap *h, void *(*page_alloc)(void *ctx),
	       void (*page_free)(void *ctx, void *page), void *ctx)
{
	PLAT_ASSERT(page_alloc && page_free);
	memset(h, 0, sizeof(*h));
	h->page_alloc = page_alloc;
	h->page_free = page_free;
	h->ctx = ctx;
}

static void list_add(struct heap *h, struct heap_page *pg)
{
	pg->prev = NULL;
	pg->next = h->partial[pg->cls];
	if (pg->next)
		pg->next->prev = pg;
	h->partial[pg->cls] = pg;
}

static void list_del(struct heap *h, struct heap_page *pg)
{
	if (pg->prev)
		pg->prev->next = pg->next;
	else
		h->partial[pg->cls] = pg->next;
	if (pg->next)
		pg->next->prev = pg->prev;
}

/* Push a junk-filled object on its page's free list. */
static void link_free(struct heap_page *pg, uint8_t *obj)
{
	struct free_obj fo = { pg->free, HEAP_FREE_TAG ^ (uintptr_t)obj };

	memcpy(obj, &fo, sizeof(fo));
	pg->free = obj;
	pg->nfree++;
}

/* Junk-fill a free object and push it on its page's free list. */
static void push_free(struct heap_page *pg, uint8_t *obj)
{
	memset(obj, HEAP_JUNK, class_size(pg->cls));
	link_free(pg, obj);
}

static struct heap_page *new_page(struct heap *h, unsigned cls)
{
	struct heap_page *pg = h->page_alloc(h->ctx);
	uint16_t i;

	if (!pg)
		return NULL;
	PLAT_ASSERT(((uintptr_t)pg & (PAGE_SIZE - 1)) == 0);
	memset(pg, 0, sizeof(*pg));
	pg->magic = HEAP_PAGE_MAGIC;
	pg->owner = h;
	pg->cls = (uint16_t)cls;
	h->pages++;
	/* The whole page past the header, the tail no object covers too:
	 * no byte keeps what the page held before.  (Under QEMU's TCG that
	 * matters for speed as well: a page where firmware or the boot
	 * loader once ran code, and part of which is never written again,
	 * stays marked as code, and every later write to it takes QEMU's
	 * self-modifying-code path, microseconds each.) */
	memset(objects(pg), HEAP_JUNK, PAGE_SIZE - HEAP_HDR_SIZE);
	if (cls == HEAP_CLASS_LARGE)
		return pg;
	pg->nobj = (uint16_t)((PAGE_SIZE - HEAP_HDR_SIZE) / class_size(cls));
	for (i = pg->nobj; i > 0; i--) /* so that object 0 is handed out first */
		link_free(pg, objects(pg) + (i - 1) * class_size(cls));
	list_add(h, pg);
	return pg;
}

void *heap_alloc(struct heap *h, size_t size)
{
	struct heap_page *pg;
	struct free_obj fo;
	uint8_t *obj;
	unsigned cls;

	if (size > HEAP_LARGE_MAX)
		return NULL;
	if (size > class_size(HEAP_NCLASSES - 1)) {
		pg = new_page(h, HEAP_CLASS_LARGE);
		return pg ? objects(pg) : NULL;
	}
	cls = class_of(size);
	pg = h->partial[cls];
	if (!pg && !(pg = new_page(h, cls)))
		return NULL;
	obj = pg->free;
	memcpy(&fo, obj, sizeof(fo));
	pg->free = fo.next;
	if (--pg->nfree == 0)
		list_del(h, pg);
	memset(obj, HEAP_JUNK, sizeof(fo)); /* drop the tag: the object is live */
	return obj;
}

static void release_page(struct heap *h, struct heap_page *pg)
{
	pg->magic = 0;
	h->pages--;
	h->page_free(h->ctx, pg);
}

/* Why ptr, inside page pg, is not a live object of h; 0 if it is one. */
static int check_free(const struct heap *h, struct heap_page *pg, const uint8_t *ptr)
{
	uintptr_t off = (uintptr_t)ptr - (uintptr_t)objects(pg);
	struct free_obj fo;

	if (pg->magic != HEAP_PAGE_MAGIC || pg->owner != h ||
	    (uintptr_t)ptr < (uintptr_t)objects(pg))
		return MM_EINVAL;
	if (pg->cls == HEAP_CLASS_LARGE)
		return off == 0 ? 0 : MM_EINVAL;
	if (pg->cls >= HEAP_NCLASSES || off % class_size(pg->cls) ||
	    off / class_size(pg->cls) >= pg->nobj)
		return MM_EINVAL;
	memcpy(&fo, ptr, sizeof(fo));
	return fo.tag == (HEAP_FREE_TAG ^ (uintptr_t)ptr) ? MM_EALREADY : 0;
}

int heap_free(struct heap *h, void *ptr)
{
	struct heap_page *pg;
	int rc;

	if (!ptr)
		return 0;
	pg = page_of(ptr);
	rc = check_free(h, pg, ptr);
	if (rc)
		return rc;
	if (pg->cls == HEAP_CLASS_LARGE) {
		release_page(h, pg);
		return 0;
	}
	push_free(pg, ptr);
	if (pg->nfree == 1)
		list_add(h, pg);
	if (pg->nfree == pg->nobj) {
		list_del(h, pg);
		release_page(h, pg);
	}
	return 0;
}

size_t heap_object_size(const void *ptr)
{
	const struct heap_page *pg = page_of(ptr);

	PLAT_ASSERT(pg->magic == HEAP_PAGE_MAGIC);
	return pg->cls == HEAP_CLASS_LARGE ? HEAP_LARGE_MAX : class_size(pg->cls);
}

uint64_t heap_pages(const struct heap *h)
{
	return h->pages;
}
