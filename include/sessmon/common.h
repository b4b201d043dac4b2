/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Small definitions every sessmon module shares: directions, array helpers.
 */
#ifndef SESSMON_COMMON_H
#define SESSMON_COMMON_H

#include <assert.h>
#include <stddef.h>

/** Direction of a packet relative to its session: the originator's side. */
#define SM_DIR_ORIG 0
/** Direction of a packet relative to its session: the responder's side. */
#define SM_DIR_REPLY 1
/** Number of directions. */
#define SM_DIR_MAX 2

/** Number of elements of a true array (not a pointer). */
#define SM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/** Microseconds per second: network time is kept in microseconds. */
#define SM_US_PER_S 1000000ULL

/** Largest number of worker lcores sessmon runs. */
#define SM_MAX_WORKERS 64

#endif /* SESSMON_COMMON_H */
