/*
 * test_heap.c - the small-object heap over a counting page source that can
 * be told to fail: classes, alignment, exhaustion, page return, bad frees.
 */
#include "heap.h"
#include "ktest.h"
#include "plat.h"

#include <string.h>

/* A page source over plat_page_alloc with a budget of pages to hand out. */
struct page_src {
	int64_t live;
	uint64_t budget;
};

static void *src_alloc(void *ctx)
{
	struct page_src *s = ctx;
	void *p;

	if (s->budget == 0)
		return NULL;
	p = plat_page_alloc();
	if (p) {
		s->budget--;
		s->live++;
	}
	return p;
}

static void src_free(void *ctx, void *page)
{
	struct page_src *s = ctx;

	s->live--;
	plat_page_free(page);
}

static void new_heap(struct heap *h, struct page_src *s, uint64_t budget)
{
	s->live = 0;
	s->budget = budget;
	heap_init(h, src_alloc, src_free, s);
}

static bool all_bytes(const void *p, uint8_t v, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != v)
			return false;
	return true;
}

KTEST(heap_every_class_aligned_and_junked)
{
	static const size_t sizes[] = { 0, 1, 16, 17, 32, 33, 64, 100, 128, 200,
					256, 500, 512, 1000, 1024, 2000, 2048,
					2049, HEAP_LARGE_MAX };
	void *p[sizeof(sizes) / sizeof(sizes[0])];
	struct page_src s;
	struct heap h;
	size_t i;

	new_heap(&h, &s, UINT64_MAX);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p[i] = heap_alloc(&h, sizes[i]);
		KT_ASSERT(p[i] != NULL);
		KT_EXPECT_EQ((uintptr_t)p[i] % HEAP_MIN_ALIGN, 0);
		KT_EXPECT(heap_object_size(p[i]) >= sizes[i]);
		KT_EXPECT(all_bytes(p[i], HEAP_JUNK, sizes[i]));
		memset(p[i], (int)i, sizes[i]);
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		KT_EXPECT(all_bytes(p[i], (uint8_t)i, sizes[i]));
		KT_EXPECT_EQ(heap_free(&h, p[i]), 0);
	}
	KT_EXPECT_EQ(heap_pages(&h), 0);
	KT_EXPECT_EQ(s.live, 0);
	KT_EXPECT_EQ(heap_free(&h, NULL), 0);
}

/* A new page is junk past its header, the tail no object of the class
 * covers included: nothing of what the page held before survives. */
KTEST(heap_new_page_junked_whole)
{
	struct page_src s;
	struct heap h;
	uint8_t *p;

	new_heap(&h, &s, UINT64_MAX);
	/* 2048-byte objects: one fits a page, 2000 bytes of tail. */
	p = heap_alloc(&h, 2048);
	KT_ASSERT(p != NULL);
	KT_EXPECT(all_bytes(p + 2048, HEAP_JUNK, 4096 - HEAP_HDR_SIZE - 2048));
	KT_EXPECT_EQ(heap_free(&h, p), 0);
	/* 1024: three fit, 976 bytes of tail. */
	p = heap_alloc(&h, 1024);
	KT_ASSERT(p != NULL);
	KT_EXPECT(all_bytes(p + 3 * 1024, HEAP_JUNK, 4096 - HEAP_HDR_SIZE - 3 * 1024));
	KT_EXPECT_EQ(heap_free(&h, p), 0);
	KT_EXPECT_EQ(s.live, 0);
}

KTEST(heap_too_large_is_refused)
{
	struct page_src s;
	struct heap h;

	new_heap(&h, &s, UINT64_MAX);
	KT_EXPECT(heap_alloc(&h, HEAP_LARGE_MAX + 1) == NULL);
	KT_EXPECT(heap_alloc(&h, SIZE_MAX) == NULL);
	KT_EXPECT_EQ(s.live, 0);
}

KTEST(heap_exhaustion_returns_null)
{
	enum { PER_PAGE = (4096 - HEAP_HDR_SIZE) / 256 };
	void *p[2 * PER_PAGE + 1];
	struct page_src s;
	struct heap h;
	uint32_t n = 0, i;

	new_heap(&h, &s, 2);
	while (n < 2 * PER_PAGE + 1 && (p[n] = heap_alloc(&h, 256)) != NULL)
		n++;
	KT_EXPECT_EQ(n, 2 * PER_PAGE);
	KT_EXPECT(heap_alloc(&h, 16) == NULL);   /* another class needs a page */
	KT_EXPECT(heap_alloc(&h, 3000) == NULL); /* so does a large object */
	KT_EXPECT_EQ(heap_free(&h, p[3]), 0);
	p[3] = heap_alloc(&h, 200); /* the freed slot serves again */
	KT_EXPECT(p[3] != NULL);
	for (i = 0; i < n; i++)
		KT_EXPECT_EQ(heap_free(&h, p[i]), 0);
	KT_EXPECT_EQ(s.live, 0);
}

KTEST(heap_empty_pages_go_back)
{
	enum { PER_PAGE = (4096 - HEAP_HDR_SIZE) / 16 };
	void *p[PER_PAGE + 1];
	struct page_src s;
	struct heap h;
	uint32_t i;

	new_heap(&h, &s, UINT64_MAX);
	for (i = 0; i < PER_PAGE + 1; i++) {
		p[i] = heap_alloc(&h, 16);
		KT_ASSERT(p[i] != NULL);
	}
	KT_EXPECT_EQ(heap_pages(&h), 2);
	KT_EXPECT_EQ(heap_free(&h, p[PER_PAGE]), 0);
	KT_EXPECT_EQ(heap_pages(&h), 1);
	KT_EXPECT_EQ(s.live, 1);
	for (i = 0; i < PER_PAGE; i++)
		KT_EXPECT_EQ(heap_free(&h, p[i]), 0);
	KT_EXPECT_EQ(heap_pages(&h), 0);
	KT_EXPECT_EQ(s.live, 0);
}

KTEST(heap_rejects_double_and_bad_frees)
{
	struct page_src s, s2;
	struct heap h, h2;
	uint8_t *a, *b, *c;

	new_heap(&h, &s, UINT64_MAX);
	new_heap(&h2, &s2, UINT64_MAX);
	a = heap_alloc(&h, 64);
	b = heap_alloc(&h, 64); /* keeps the page alive while a is free */
	c = heap_alloc(&h2, 64);
	KT_ASSERT(a && b && c);
	KT_ASSERT(b == a + 64 && ((uintptr_t)a & 4095) == HEAP_HDR_SIZE);
	memset(a, 0, 64);
	KT_EXPECT_EQ(heap_free(&h, a), 0);
	KT_EXPECT(all_bytes(a + 16, HEAP_JUNK, 48)); /* junk after the free link */
	KT_EXPECT_EQ(heap_free(&h, a), MM_EALREADY);
	KT_EXPECT_EQ(heap_free(&h, b + 8), MM_EINVAL);
	KT_EXPECT_EQ(heap_free(&h, b - 80), MM_EINVAL); /* inside the page header */
	KT_EXPECT_EQ(heap_free(&h, c), MM_EINVAL); /* another heap's object */
	KT_EXPECT_EQ(heap_pages(&h), 1);
	KT_EXPECT_EQ(heap_free(&h, b), 0);
	KT_EXPECT_EQ(heap_free(&h2, c), 0);
	KT_EXPECT_EQ(s.live + s2.live, 0);
}

struct live_obj {
	uint8_t *p;
	size_t size;
	uint8_t fill;
};

static size_t random_size(uint64_t *seed)
{
	uint64_t r = ktest_rand(seed);

	if (r % 16 == 0)
		return 2049 + (size_t)(r >> 8) % (HEAP_LARGE_MAX - 2048);
	return (size_t)(r >> 8) % (1u + (2048u >> (r >> 4) % 8));
}

KTEST_FLAGS(heap_random_stress_keeps_contents, KTEST_SLOW)
{
	enum { SLOTS = 512 };
	static struct live_obj live[SLOTS]; /* 12 KiB: not on a kernel stack */
	uint64_t seed = 0x4ea95eed;
	struct page_src s;
	struct heap h;
	uint32_t iter, i;

	memset(live, 0, sizeof(live));
	new_heap(&h, &s, UINT64_MAX);
	ktest_diag("seed %#llx", (unsigned long long)seed);
	for (iter = 0; iter < 40000; iter++) {
		i = (uint32_t)(ktest_rand(&seed) % SLOTS);
		if (live[i].p) {
			KT_EXPECT(all_bytes(live[i].p, live[i].fill, live[i].size));
			KT_EXPECT_EQ(heap_free(&h, live[i].p), 0);
			live[i].p = NULL;
			continue;
		}
		live[i].size = random_size(&seed);
		live[i].fill = (uint8_t)iter;
		live[i].p = heap_alloc(&h, live[i].size);
		KT_ASSERT(live[i].p != NULL);
		memset(live[i].p, live[i].fill, live[i].size);
	}
	for (i = 0; i < SLOTS; i++)
		if (live[i].p)
			KT_EXPECT_EQ(heap_free(&h, live[i].p), 0);
	KT_EXPECT_EQ(heap_pages(&h), 0);
	KT_EXPECT_EQ(s.live, 0);
}
