/*
 * test_buddy.c - the buddy page allocator over fake physical memory: pages
 * from plat_page_alloc stand in for RAM at any physical address we choose.
 */
#include "buddy.h"
#include "ktest.h"
#include "plat.h"

#include <string.h>

#define PAGE PLAT_PAGE_SIZE

/* "Physical" pages [ram_base, ram_base + ram_npages * PAGE), each backed by
 * its own host page; p2v has no context argument, hence the globals.  Large
 * arrays are static: kernel stacks are small and heap objects stop at a page. */
#define MAX_PAGES 2560
static uint64_t ram_base, ram_npages;
static uint8_t *ram_pages[MAX_PAGES];

static void *fake_p2v(uint64_t pa)
{
	uint64_t i = (pa - ram_base) / PAGE;

	PLAT_ASSERT(pa >= ram_base && i < ram_npages);
	return ram_pages[i] + (pa - ram_base) % PAGE;
}

static void ram_release(void)
{
	uint64_t i;

	for (i = 0; i < ram_npages; i++)
		plat_page_free(ram_pages[i]);
	ram_npages = 0;
}

static bool ram_setup(uint64_t base, uint64_t npages)
{
	uint64_t i;

	ram_base = base;
	ram_npages = 0;
	if (npages > MAX_PAGES)
		return false;
	for (i = 0; i < npages; i++) {
		ram_pages[i] = plat_page_alloc();
		if (!ram_pages[i])
			break;
		ram_npages++;
	}
	if (ram_npages == npages)
		return true;
	ram_release();
	return false;
}

/* Fill metadata with bytes that read as heads of free blocks (0x80 | k):
 * the allocator must not trust page bytes it has not set, and a test that
 * handed it zeroed memory would not show that it does. */
static void poison(void *meta, size_t n)
{
	uint8_t *m = meta;
	size_t i;

	for (i = 0; i < n; i++)
		m[i] = (uint8_t)(0x80 | (i % BUDDY_MAX_ORDER));
}

/* An allocator over the whole fake RAM, all of it free.  Returns the
 * metadata buffer (to free), or NULL when the host ran out. */
static void *setup(struct buddy *b, uint64_t base, uint64_t npages, bool add_all)
{
	size_t n = buddy_meta_bytes(base / PAGE, npages);
	void *meta;

	if (!ram_setup(base, npages))
		return NULL;
	meta = plat_malloc(n);
	if (meta)
		poison(meta, n);
	if (!meta || buddy_init(b, base, npages * PAGE, meta, fake_p2v) != 0 ||
	    (add_all && buddy_add_free(b, base, base + npages * PAGE) != 0)) {
		plat_free(meta);
		ram_release();
		return NULL;
	}
	return meta;
}

static void teardown(void *meta)
{
	plat_free(meta);
	ram_release();
}

/* 2560 pages = two order-10 blocks and one order-9 block. */
static void expect_fully_coalesced_2560(const struct buddy *b)
{
	unsigned k;

	KT_EXPECT_EQ(buddy_free_pages(b), 2560);
	KT_EXPECT_EQ(buddy_free_blocks(b, BUDDY_MAX_ORDER), 2);
	KT_EXPECT_EQ(buddy_free_blocks(b, 9), 1);
	for (k = 0; k < 9; k++)
		KT_EXPECT_EQ(buddy_free_blocks(b, k), 0);
}

KTEST(buddy_exhaust_then_everything_coalesces)
{
	static uint64_t pas[MAX_PAGES];
	static uint8_t seen[MAX_PAGES];
	struct buddy b;
	uint64_t n = 0, i, j, t, seed = 0xb0dd1e5;
	uint64_t pa;
	void *meta = setup(&b, 1ull << 30, 2560, true);

	KT_ASSERT(meta != NULL);
	memset(seen, 0, sizeof(seen));
	expect_fully_coalesced_2560(&b);
	KT_EXPECT_EQ(buddy_total_pages(&b), 2560);
	while (n < 2561 && buddy_alloc(&b, 0, &pa) == 0) {
		i = (pa - ram_base) / PAGE;
		KT_ASSERT(pa >= ram_base && i < 2560 && !seen[i]);
		seen[i] = 1;
		pas[n++] = pa;
	}
	KT_EXPECT_EQ(n, 2560);
	KT_EXPECT_EQ(buddy_free_pages(&b), 0);
	KT_EXPECT_EQ(buddy_alloc(&b, 0, &pa), MM_ENOMEM);
	KT_EXPECT_EQ(buddy_alloc(&b, BUDDY_MAX_ORDER, &pa), MM_ENOMEM);
	ktest_diag("seed %#llx", (unsigned long long)seed);
	for (i = n - 1; i > 0; i--) { /* free in a shuffled order */
		j = ktest_rand(&seed) % (i + 1);
		t = pas[i], pas[i] = pas[j], pas[j] = t;
	}
	for (i = 0; i < n; i++)
		KT_ASSERT_EQ(buddy_free(&b, pas[i], 0), 0);
	expect_fully_coalesced_2560(&b);
	/* Merged back whole, the two 4 MiB regions serve whole blocks again. */
	KT_EXPECT_EQ(buddy_alloc(&b, BUDDY_MAX_ORDER, &pas[0]), 0);
	KT_EXPECT_EQ(buddy_alloc(&b, BUDDY_MAX_ORDER, &pas[1]), 0);
	KT_EXPECT_EQ(buddy_alloc(&b, BUDDY_MAX_ORDER, &pa), MM_ENOMEM);
	teardown(meta);
}

struct live_block {
	uint64_t pa;
	unsigned order;
};

/* Allocate one random-order block, checking it against the shadow map. */
static bool random_alloc(struct buddy *b, uint8_t *shadow, struct live_block *out,
			 uint64_t *seed)
{
	unsigned order = (unsigned)(ktest_rand(seed) % 6);
	uint64_t pa, i, first;

	if (buddy_alloc(b, order, &pa) != 0)
		return false;
	first = (pa - ram_base) / PAGE;
	KT_EXPECT_EQ(pa % (PAGE << order), 0);
	for (i = first; i < first + (1u << order); i++) {
		KT_EXPECT(i < ram_npages && shadow[i] == 0);
		shadow[i] = 1;
	}
	memcpy(fake_p2v(pa + 64), &pa, sizeof(pa)); /* stamp, checked on free */
	out->pa = pa;
	out->order = order;
	return true;
}

static void random_free(struct buddy *b, uint8_t *shadow, struct live_block *blk)
{
	uint64_t stamp, i, first = (blk->pa - ram_base) / PAGE;

	memcpy(&stamp, fake_p2v(blk->pa + 64), sizeof(stamp));
	KT_EXPECT_EQ(stamp, blk->pa); /* nothing wrote into a live block */
	for (i = first; i < first + (1u << blk->order); i++)
		shadow[i] = 0;
	KT_EXPECT_EQ(buddy_free(b, blk->pa, blk->order), 0);
}

KTEST_FLAGS(buddy_random_alloc_free_no_overlap, KTEST_SLOW)
{
	static struct live_block live[MAX_PAGES];
	static uint8_t shadow[MAX_PAGES];
	struct buddy b;
	uint64_t seed = 0x5a5a1234, nlive = 0, i, iter;
	void *meta = setup(&b, 3ull << 30, 2560, true);

	KT_ASSERT(meta != NULL);
	memset(shadow, 0, sizeof(shadow));
	ktest_diag("seed %#llx", (unsigned long long)seed);
	for (iter = 0; iter < 20000; iter++) {
		if (nlive && ktest_rand(&seed) % 2) {
			i = ktest_rand(&seed) % nlive;
			random_free(&b, shadow, &live[i]);
			live[i] = live[--nlive];
		} else if (nlive < 2560 && random_alloc(&b, shadow, &live[nlive], &seed)) {
			nlive++;
		}
	}
	while (nlive)
		random_free(&b, shadow, &live[--nlive]);
	expect_fully_coalesced_2560(&b);
	teardown(meta);
}

KTEST(buddy_rejects_bad_frees)
{
	struct buddy b;
	uint64_t pa, pa2, base = 1ull << 30;
	void *meta = setup(&b, base, 1024, true);

	KT_ASSERT(meta != NULL);
	KT_ASSERT_EQ(buddy_alloc(&b, 1, &pa), 0);
	KT_ASSERT_EQ(buddy_alloc(&b, 1, &pa2), 0);
	KT_EXPECT_EQ(buddy_alloc(&b, BUDDY_MAX_ORDER + 1, &pa), MM_EINVAL);
	KT_EXPECT_EQ(buddy_free(&b, pa + 0x800, 0), MM_EINVAL);   /* misaligned */
	KT_EXPECT_EQ(buddy_free(&b, pa + PAGE, 1), MM_EINVAL);    /* odd for order 1 */
	KT_EXPECT_EQ(buddy_free(&b, pa + PAGE, 0), MM_EINVAL);    /* a tail page */
	KT_EXPECT_EQ(buddy_free(&b, pa, 0), MM_EINVAL);           /* wrong order */
	KT_EXPECT_EQ(buddy_free(&b, pa, BUDDY_MAX_ORDER + 1), MM_EINVAL);
	KT_EXPECT_EQ(buddy_free(&b, base - PAGE, 0), MM_ERANGE);
	KT_EXPECT_EQ(buddy_free(&b, base + 1024 * PAGE, 0), MM_ERANGE);
	KT_EXPECT_EQ(buddy_free(&b, base + 1022 * PAGE, 2), MM_EINVAL);
	KT_EXPECT_EQ(buddy_free(&b, base + 512 * PAGE, 9), MM_EALREADY); /* free */
	KT_EXPECT_EQ(buddy_free_pages(&b), 1020);
	KT_EXPECT_EQ(buddy_free(&b, pa2, 1), 0);
	KT_EXPECT_EQ(buddy_free(&b, pa2, 1), MM_EALREADY); /* double free */
	KT_EXPECT_EQ(buddy_free(&b, pa, 1), 0);
	/* Double frees after merging: pa heads the merged free block, pa2 is
	 * now inside it. */
	KT_EXPECT_EQ(buddy_free(&b, pa, 1), MM_EALREADY);
	KT_EXPECT_EQ(buddy_free(&b, pa2, 1), MM_EINVAL);
	KT_EXPECT_EQ(buddy_free_pages(&b), 1024);
	KT_EXPECT_EQ(buddy_free_blocks(&b, BUDDY_MAX_ORDER), 1);
	teardown(meta);
}

KTEST(buddy_holes_and_unaligned_span)
{
	struct buddy b;
	uint64_t base = 0x12345000, pa, n = 0, i;
	void *meta = setup(&b, base, 1500, false);

	KT_ASSERT(meta != NULL);
	KT_EXPECT_EQ(buddy_add_free(&b, base + 3 * PAGE, base + 700 * PAGE), 0);
	/* Unaligned ends are shrunk to whole pages: pages 801 .. 1498. */
	KT_EXPECT_EQ(buddy_add_free(&b, base + 800 * PAGE + 0x123,
				    base + 1499 * PAGE + 0xfff), 0);
	KT_EXPECT_EQ(buddy_add_free(&b, base + 10 * PAGE, base + 20 * PAGE), MM_EALREADY);
	KT_EXPECT_EQ(buddy_add_free(&b, base - PAGE, base + PAGE), MM_ERANGE);
	KT_EXPECT_EQ(buddy_add_free(&b, base, base + 1501 * PAGE), MM_ERANGE);
	KT_EXPECT_EQ(buddy_add_free(&b, base + 5, base + 9), 0); /* no whole page */
	KT_EXPECT_EQ(buddy_total_pages(&b), 697 + 698);
	KT_EXPECT_EQ(buddy_free_pages(&b), 697 + 698);
	while (buddy_alloc(&b, 0, &pa) == 0) {
		i = (pa - base) / PAGE;
		KT_EXPECT((i >= 3 && i < 700) || (i >= 801 && i < 1499));
		n++;
	}
	KT_EXPECT_EQ(n, 697 + 698);
	for (i = 3; i < 1499; i++)
		if (i < 700 || i >= 801)
			KT_ASSERT_EQ(buddy_free(&b, base + i * PAGE, 0), 0);
	KT_EXPECT_EQ(buddy_free_pages(&b), 697 + 698);
	teardown(meta);
}

KTEST(buddy_above_4g_with_junk_on_free)
{
	struct buddy b;
	uint64_t base = 0x4000000000ull - 512 * PAGE, pa, pa2, i;
	uint8_t *p;
	void *meta = setup(&b, base, 1536, true);

	KT_ASSERT(meta != NULL);
	KT_ASSERT_EQ(buddy_alloc(&b, BUDDY_MAX_ORDER, &pa), 0);
	KT_EXPECT_EQ(pa, 0x4000000000ull); /* the one 4 MiB-aligned block */
	KT_EXPECT_EQ(buddy_alloc(&b, BUDDY_MAX_ORDER, &pa2), MM_ENOMEM);
	KT_ASSERT_EQ(buddy_alloc(&b, 2, &pa2), 0);
	KT_EXPECT(pa2 < 0x4000000000ull && pa2 >= base);
	for (i = 0; i < 4; i++)
		memset(fake_p2v(pa2 + i * PAGE), 0, PAGE);
	KT_ASSERT_EQ(buddy_free(&b, pa2, 2), 0);
	for (i = 0; i < 4 * PAGE; i++) {
		p = fake_p2v(pa2 + i);
		if (i >= 16 && *p != BUDDY_JUNK) {
			KT_EXPECT_EQ(*p, BUDDY_JUNK);
			break;
		}
	}
	KT_ASSERT_EQ(buddy_free(&b, pa, BUDDY_MAX_ORDER), 0);
	KT_EXPECT_EQ(buddy_free_pages(&b), 1536);
	KT_EXPECT_EQ(buddy_free_blocks(&b, BUDDY_MAX_ORDER), 1);
	KT_EXPECT_EQ(buddy_free_blocks(&b, 9), 1);
	teardown(meta);
}

KTEST(buddy_init_rejects_bad_spans)
{
	static uint64_t meta_words[8]; /* 64 bytes, 8-byte aligned */
	uint8_t *meta = (uint8_t *)meta_words;
	struct buddy b;

	KT_EXPECT_EQ(buddy_init(&b, 0x1001, 16 * PAGE, meta, fake_p2v), MM_EINVAL);
	KT_EXPECT_EQ(buddy_init(&b, 0x1000, 0, meta, fake_p2v), MM_EINVAL);
	KT_EXPECT_EQ(buddy_init(&b, 0x1000, 100, meta, fake_p2v), MM_EINVAL);
	KT_EXPECT_EQ(buddy_init(&b, 0x1000, 16 * PAGE, NULL, fake_p2v), MM_EINVAL);
	KT_EXPECT_EQ(buddy_init(&b, 0x1000, 16 * PAGE, meta + 4, fake_p2v), MM_EINVAL);
	KT_EXPECT_EQ(buddy_init(&b, UINT64_MAX - 0xfff, 2 * PAGE, meta, fake_p2v),
		     MM_EINVAL);
	KT_EXPECT_EQ(buddy_init(&b, 0x1000, 16 * PAGE, meta, fake_p2v), 0);
	KT_EXPECT_EQ(buddy_free_pages(&b), 0);
	KT_EXPECT_EQ(buddy_total_pages(&b), 0);
}

/* A byte per page and a 24-byte table entry per 4 MiB region the span
 * meets, counted from physical address 0, not from the span's start. */
KTEST(buddy_meta_bytes_per_page_and_region)
{
	KT_EXPECT_EQ(buddy_meta_bytes(1, 16), 16 + 24);
	KT_EXPECT_EQ(buddy_meta_bytes(0, 1024), 1024 + 24);
	KT_EXPECT_EQ(buddy_meta_bytes(1020, 8), 8 + 2 * 24);
	KT_EXPECT_EQ(buddy_meta_bytes(1023, 1026), 1026 + 3 * 24);
	KT_EXPECT_EQ(buddy_meta_bytes(3ull << 20, 6ull << 18), (6ull << 18) + 1536 * 24);
}

/* Frees of anything that is not a live block, at random, are all refused and
 * change nothing; the live blocks then come back and merge completely. */
KTEST(buddy_random_bad_frees_change_nothing)
{
	static uint64_t live[64];
	struct buddy b;
	uint64_t seed = 0xbadf4ee, base = 1ull << 30, pa, before, i, j;
	unsigned order;
	bool is_live;
	void *meta = setup(&b, base, 2560, true);

	KT_ASSERT(meta != NULL);
	for (i = 0; i < 64; i++)
		KT_ASSERT_EQ(buddy_alloc(&b, 1, &live[i]), 0);
	before = buddy_free_pages(&b);
	ktest_diag("seed %#llx", (unsigned long long)seed);
	for (i = 0; i < 5000; i++) {
		pa = base - 8 * PAGE + ktest_rand(&seed) % (2600 * PAGE);
		pa &= ktest_rand(&seed) % 2 ? ~(PAGE - 1) : ~0ull;
		order = (unsigned)(ktest_rand(&seed) % (BUDDY_MAX_ORDER + 3));
		for (is_live = false, j = 0; j < 64; j++)
			is_live |= order == 1 && pa == live[j];
		if (!is_live)
			KT_ASSERT(buddy_free(&b, pa, order) < 0);
	}
	KT_EXPECT_EQ(buddy_free_pages(&b), before);
	for (i = 0; i < 64; i++)
		KT_ASSERT_EQ(buddy_free(&b, live[i], 1), 0);
	expect_fully_coalesced_2560(&b);
	teardown(meta);
}
