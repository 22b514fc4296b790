/*
 * test_efi_rt.c - UEFI runtime services, booted on a UEFI path: a variable
 * set, read back whole and into too small a buffer, deleted, and gone; names
 * and data too big for the argument page refused before any call.  Skipped
 * where there are no runtime services (BIOS boots).  The variable is
 * non-volatile (EDK II refuses to create volatile ones after
 * ExitBootServices), so a run on a real machine writes its flash once and
 * deletes the variable again.
 */
#include <string.h>

#include "efi_rt.h"
#include "ktest.h"

/* A GUID of the tests' own, so nothing else is touched. */
static const struct efi_guid test_guid = {
	0x5e1cfdd1, 0x651f, 0x43ef, {0x85, 0x67, 0xb1, 0xc7, 0x00, 0xcb, 0x4e, 0xd1}};
#define TEST_VAR "IommuKernelTest"
#define TEST_ATTRS (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | \
		    EFI_VARIABLE_RUNTIME_ACCESS)

KTEST(efi_rt_variable_round_trip)
{
	static const uint8_t data[24] = "runtime services test";
	uint8_t got[64], small[4];
	size_t size = sizeof(got);
	uint32_t attrs = 0;

	if (!efi_rt_available()) {
		ktest_skip("no UEFI runtime services");
		return;
	}
	KT_ASSERT_EQ(efi_set_variable(TEST_VAR, &test_guid, TEST_ATTRS, data, sizeof(data)), 0);
	KT_ASSERT_EQ(efi_get_variable(TEST_VAR, &test_guid, &attrs, got, &size), 0);
	KT_EXPECT_EQ(size, sizeof(data));
	KT_EXPECT_EQ(attrs, TEST_ATTRS);
	KT_EXPECT(memcmp(got, data, sizeof(data)) == 0);
	size = sizeof(small);
	KT_EXPECT_EQ(efi_get_variable(TEST_VAR, &test_guid, NULL, small, &size), EFI_RT_ENOSPC);
	KT_EXPECT_EQ(size, sizeof(data));
	KT_EXPECT_EQ(efi_set_variable(TEST_VAR, &test_guid, TEST_ATTRS, NULL, 0), 0);
	size = sizeof(got);
	KT_EXPECT_EQ(efi_get_variable(TEST_VAR, &test_guid, NULL, got, &size), EFI_RT_ENOENT);
	KT_EXPECT_EQ(efi_set_variable(TEST_VAR, &test_guid, TEST_ATTRS, NULL, 0), EFI_RT_ENOENT);
	KT_EXPECT(efi_rt_available());
}

KTEST(efi_rt_rejects_oversized_arguments)
{
	static uint8_t big[EFI_RT_DATA_MAX + 1];
	char name[EFI_RT_NAME_MAX + 2];
	size_t size = 8;

	if (!efi_rt_available()) {
		ktest_skip("no UEFI runtime services");
		return;
	}
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	KT_EXPECT_EQ(efi_get_variable(name, &test_guid, NULL, big, &size), EFI_RT_EINVAL);
	KT_EXPECT_EQ(efi_set_variable(TEST_VAR, &test_guid, TEST_ATTRS, big, sizeof(big)),
		     EFI_RT_EINVAL);
	KT_EXPECT(efi_rt_available());
}
