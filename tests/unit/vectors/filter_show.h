/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session-filter-show-7.x.txt (Summerice7, FortiOS 7.0/7.2), first
 * listing: `diagnose sys session filter` with nothing set. The sample
 * renders the indent as 8 spaces; FortiOS prints a TAB (README §5,
 * session-filter-show-4.x-5.0-kb191368.txt header), which sessmon emits.
 * Shared by the filter's own test and the CLI's.
 */
#ifndef SM_VECTORS_FILTER_SHOW_H
#define SM_VECTORS_FILTER_SHOW_H

static const char show_empty[] =
	"session filter:\n"
	"\tvd: any\n"
	"\tsintf: any\n"
	"\tdintf: any\n"
	"\tproto: any\n"
	"\tproto-state: any\n"
	"\tsource ip: any\n"
	"\tNAT'd source ip: any\n"
	"\tdest ip: any\n"
	"\tsource port: any\n"
	"\tNAT'd source port: any\n"
	"\tdest port: any\n"
	"\tpolicy id: any\n"
	"\texpire: any\n"
	"\tduration: any\n"
	"\tstate1: any\n"
	"\tstate2: any\n";

#endif
