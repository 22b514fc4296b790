/*
 * peer_malloc.c - mimalloc and jemalloc as peers of the pool, each loaded
 * beside glibc's malloc so that none replaces another.
 *
 * Both libraries define malloc and free.  Linked in, the first one in the
 * link order would become every caller's malloc: glibc's baseline would then
 * measure mimalloc or jemalloc, and one of the two would not be measured at
 * all.  So neither is linked.  Each is dlopen'ed RTLD_LOCAL, which keeps
 * its symbols out of the global scope (glibc's malloc stays everyone's
 * malloc, which main checks), and is called through dlsym of its handle:
 *   mimalloc  mi_malloc and mi_free, its own prefixed names, so nothing
 *             depends on how its malloc alias binds;
 *   jemalloc  Debian builds it without a prefix (no je_malloc), so malloc
 *             and free of the handle, opened RTLD_DEEPBIND as well: any
 *             reference jemalloc makes to an allocator name binds inside
 *             jemalloc, never to glibc's.
 * jemalloc keeps 2.6 KiB of initial-exec TLS, more than glibc leaves spare
 * for dlopen (512 bytes), so peer_malloc_prepare_exec restarts the program
 * once with glibc.rtld.optional_static_tls raised before it is loaded.
 *
 * Build-time detection: the Makefile passes each library's path when the
 * compiler finds it (HOSTCC -print-file-name; Debian libmimalloc-dev,
 * libjemalloc-dev); without it the peer is a stub that says so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool_bench.h"

#define STATIC_TLS_TUNABLE "glibc.rtld.optional_static_tls"

struct dl_malloc {
	void *(*alloc)(size_t);
	void (*free)(void *);
};

/* Open path and find its allocation pair; NULL or why not (dlerror).
 * Unused when neither library was found. */
__attribute__((unused)) static const char *dl_open(struct dl_malloc *m, const char *path, int flags,
			   const char *alloc, const char *dealloc)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | flags);

	if (!h)
		return dlerror();
	*(void **)&m->alloc = dlsym(h, alloc);
	*(void **)&m->free = dlsym(h, dealloc);
	if (!m->alloc || !m->free)
		return "the library lacks its allocation functions";
	return NULL;
}

static inline uint64_t dl_get1(const struct dl_malloc *m)
{
	void *p = m->alloc(OBJ_SIZE);

	if (!p)
		pool_bench_die("malloc peer");
	return (uint64_t)(uintptr_t)p;
}

#define DL_PEER(h, m)                                                           \
	static void h##_setup(void) {}                                          \
	static void h##_teardown(void) {}                                       \
	static inline uint64_t h##_get1(void) { return dl_get1(&m); }           \
	static inline void h##_put1(uint64_t e) { m.free((void *)(uintptr_t)e); } \
	DEFINE_CASES(h)

/* --- mimalloc ------------------------------------------------------------- */

#ifdef PEER_MIMALLOC_SO
static struct dl_malloc g_mi;

static const char *mimalloc_probe(void)
{
	return dl_open(&g_mi, PEER_MIMALLOC_SO, 0, "mi_malloc", "mi_free");
}

DL_PEER(mimalloc, g_mi)
const struct impl peer_mimalloc = IMPL("mimalloc", mimalloc, mimalloc_probe);
#else
static const char *mimalloc_missing(void)
{
	return "not built: the compiler found no libmimalloc.so (Debian libmimalloc-dev; "
	       "tools/install-deps)";
}

const struct impl peer_mimalloc = IMPL_MISSING("mimalloc", mimalloc_missing);
#endif

/* --- jemalloc ------------------------------------------------------------- */

#ifdef PEER_JEMALLOC_SO
static struct dl_malloc g_je;

static const char *jemalloc_probe(void)
{
	return dl_open(&g_je, PEER_JEMALLOC_SO, RTLD_DEEPBIND, "malloc", "free");
}

DL_PEER(jemalloc, g_je)
const struct impl peer_jemalloc = IMPL("jemalloc", jemalloc, jemalloc_probe);

void peer_malloc_prepare_exec(char **argv)
{
	const char *old = getenv("GLIBC_TUNABLES");
	char *tun;

	if (old && strstr(old, STATIC_TLS_TUNABLE))
		return; /* already raised (by us, or by the caller) */
	if (asprintf(&tun, "%s%s" STATIC_TLS_TUNABLE "=16384", old ? old : "",
		     old ? ":" : "") < 0)
		return;
	setenv("GLIBC_TUNABLES", tun, 1);
	execv("/proc/self/exe", argv);
	/* No re-exec: run on; dlopen will say why jemalloc cannot load. */
	free(tun);
}
#else
static const char *jemalloc_missing(void)
{
	return "not built: the compiler found no libjemalloc.so (Debian libjemalloc-dev; "
	       "tools/install-deps)";
}

const struct impl peer_jemalloc = IMPL_MISSING("jemalloc", jemalloc_missing);

void peer_malloc_prepare_exec(char **argv)
{
	(void)argv;
}
#endif
