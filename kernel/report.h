/*
 * report.h - the boot report that survives the reboot: the remapping units,
 * their capabilities, the DMAR firmware bugs and the self-test verdicts, kept
 * on UEFI boots in the variable IommuKernelReport under the project's vendor
 * GUID (readable on Linux from efivarfs, docs/REPORT.md), printed only on
 * BIOS boots.  The record's format is report_rec.h.
 */
#ifndef KERNEL_REPORT_H
#define KERNEL_REPORT_H

#include <stdint.h>

#include "report_rec.h"

/* The variable: name, and the vendor GUID 24355713-b7b6-45ff-b549-11ad7ebc0b33. */
#define REPORT_VAR_NAME "IommuKernelReport"
#define REPORT_VAR_GUID_TEXT "24355713-b7b6-45ff-b549-11ad7ebc0b33"

/* Errors of report_save and report_clear (negative, errno-style). */
#define REPORT_ENODEV (-19) /* a UEFI boot whose runtime services are off */
/* ... or the EFI_RT_E* of efi_rt.h that the firmware's call returned. */

/*
 * The self-test's verdict on unit 'unit' (the index of vtd_unit_at), with
 * the DMA master it used (master_sid: bus << 8 | device << 3 | function) and
 * a reason (enum report_reason).  Later calls for a unit replace earlier ones;
 * units never given one are saved as REPORT_NOT_RUN.
 */
void report_unit_verdict(uint32_t unit, enum report_verdict v, uint16_t master_sid,
			 uint8_t reason);

/* The verdict of the whole self-test, of 'units' units of which 'tested'
 * were tested. */
void report_overall(enum report_verdict v, uint32_t units, uint32_t tested);

/*
 * Build the record of this boot and keep it: prints it as "report:" lines,
 * then on a UEFI boot writes the variable (NON_VOLATILE, BOOTSERVICE_ACCESS,
 * RUNTIME_ACCESS).  On a BIOS boot the log is all there is, and it returns 0.
 * Returns 0, REPORT_ENODEV or an EFI_RT_E* error.
 */
int report_save(void) __attribute__((warn_unused_result));

/* Print the record a previous boot kept, as "report: previous run: ..."
 * and one line per unit; nothing when there is none (or on BIOS boots).
 * Called once at boot after the DMAR scan. */
void report_print_previous(void);

/* Delete the variable ("selftest clear").  Returns 0 (also when there was
 * none), REPORT_ENODEV on a BIOS boot or with runtime services off, or an
 * EFI_RT_E* error. */
int report_clear(void) __attribute__((warn_unused_result));

#endif /* KERNEL_REPORT_H */
