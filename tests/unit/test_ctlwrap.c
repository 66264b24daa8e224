/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ctlwrap.h"
#include "pem.h"
#include "wire.h"

#define PKT_MAX 4096u

/* ---- test data ---- */

/* tls-auth [W] vector, protocol-control.md §3.4: client, key-direction 1, SHA1. */
static const uint8_t ta_hmac_key[20] = {
    0xae, 0x0a, 0xca, 0x15, 0xd1, 0xe3, 0xcb, 0xd4, 0x37, 0xbe,
    0x39, 0xeb, 0x49, 0x04, 0x6e, 0xf7, 0xfe, 0xba, 0x79, 0x56
};
static const uint8_t ta_packet[42] = { 0x38, 0xef, 0xdd, 0x43, 0x4f, 0x3a, 0x49, 0x45, 0x21,
                                       0x1c, 0x31, 0x0e, 0x8e, 0xc1, 0x8d, 0xe2, 0x2d, 0xd5,
                                       0x56, 0xd8, 0xdd, 0x90, 0x9f, 0x86, 0x90, 0xdf, 0x77,
                                       0x05, 0x1a, 0x00, 0x00, 0x00, 0x01, 0x6b, 0x03, 0x3a,
                                       0xff, 0x00, 0x00, 0x00, 0x00, 0x00 };
static const uint8_t ta_plain[14] = { 0x38, 0xef, 0xdd, 0x43, 0x4f, 0x3a, 0x49,
                                      0x45, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00 };
#define TA_TIME 0x6b033affu

/* tls-crypt [W] vector, §4.2: client to server, keys[1]. */
static const uint8_t tc_ke[32] = { 0x06, 0x78, 0xaf, 0x08, 0x37, 0x4b, 0x11, 0x83, 0xd0, 0xaf, 0x9c,
                                   0xb9, 0xa5, 0xac, 0x44, 0x54, 0x79, 0x4e, 0x07, 0x7e, 0xcb, 0xa3,
                                   0x9f, 0x1d, 0x3d, 0xbe, 0x3d, 0x25, 0x9d, 0x71, 0xd0, 0xc0 };
static const uint8_t tc_ka[32] = { 0x42, 0xb3, 0xd0, 0x0c, 0x7f, 0x70, 0x8f, 0x62, 0xf0, 0x33, 0xe7,
                                   0xef, 0xae, 0x34, 0xf3, 0x85, 0xa1, 0xf4, 0x31, 0xb8, 0x13, 0x39,
                                   0x85, 0x19, 0x09, 0x06, 0x84, 0xb7, 0x18, 0x3b, 0x7a, 0xbb };
static const uint8_t tc_packet[54] = {
    0x38, 0x82, 0x61, 0xfd, 0xcd, 0x76, 0x77, 0x49, 0xbd, 0x00, 0x00, 0x00, 0x01, 0x6b,
    0x03, 0x3b, 0x28, 0xee, 0xad, 0xbc, 0x5c, 0x71, 0x92, 0x04, 0x09, 0xa6, 0xb8, 0x86,
    0x54, 0x2b, 0xfa, 0x50, 0x61, 0xc4, 0x97, 0x7a, 0x4a, 0x43, 0xa6, 0x7b, 0x3a, 0x01,
    0xb0, 0x61, 0x14, 0x90, 0xe5, 0x91, 0x74, 0x70, 0x03, 0x21, 0xb4, 0x2b,
};
static const uint8_t tc_plain[14] = { 0x38, 0x82, 0x61, 0xfd, 0xcd, 0x76, 0x77,
                                      0x49, 0xbd, 0x00, 0x00, 0x00, 0x00, 0x00 };
#define TC_TIME 0x6b033b28u

/*
 * Throwaway keys made by the real openvpn 2.6.14:
 *   openvpn --genkey secret k
 *   openvpn --genkey tls-crypt-v2-server s
 *   openvpn --tls-crypt-v2 s --genkey tls-crypt-v2-client c
 *   openvpn --tls-crypt-v2 s --genkey tls-crypt-v2-client cu aGVsbG8gd29ybGQ=
 */
static const char real_static_key[] = "#\n"
                                      "# 2048 bit OpenVPN static key\n"
                                      "#\n"
                                      "-----BEGIN OpenVPN Static key V1-----\n"
                                      "3513f1985fe6d404e4dcbdebeddd3594\n"
                                      "ca5149285e60adf117687679c365c67b\n"
                                      "ef9d859366c0ee2aa1d172c6931d1aff\n"
                                      "080db0329c2601adb10530c8f9ec2639\n"
                                      "587a55d2727dea0857f44e3843825ec5\n"
                                      "bea578c7f719208823fd1864645896e0\n"
                                      "db997f60f4d9816c2014c6bdfed28069\n"
                                      "501b3015110c2d5a8668de3f88e9b15d\n"
                                      "a98bf34f0b98232f5945032559493733\n"
                                      "5246187b1e3f5dabb73324e205338eb9\n"
                                      "b246131943451e4baa5564eb2ac80071\n"
                                      "c09181646e6be160cb5e9c30da14c63d\n"
                                      "6d0d7f86bfc4e2d59d73c5a6cd694d4b\n"
                                      "5a5e5f55c554f9cd219e779e277c3fec\n"
                                      "bf2eb7abe816daf9ec205ed1170fd5a4\n"
                                      "4ed55974fa65bc8f666d5a18862fc7c8\n"
                                      "-----END OpenVPN Static key V1-----\n";

static const char real_v2_server_key[] =
    "-----BEGIN OpenVPN tls-crypt-v2 server key-----\n"
    "lI9gmNAUkmq/q7bcvv3taq3q2fFJHst+9SAryCGXe8wkwg+Fl7f3tlGcidjI9qRn\n"
    "+Wye8LAFAc19Kk+KeXRuSbMwsHDVjV5RzhCG7o8Uvyke3B7Pya8OkNe8C9K3SHrN\n"
    "NSTKOi4DVFW/v0S+iu+JDPFX9yXIwTPMNAmhmsQUe8g=\n"
    "-----END OpenVPN tls-crypt-v2 server key-----\n";

static const char real_v2_client_key[] =
    "-----BEGIN OpenVPN tls-crypt-v2 client key-----\n"
    "f6V/rBGWuhIo4JKq0rtj0jsEdGib14Vafglty6mxPBPmtMdH3/1dCAHrr8lSUrC9\n"
    "+iT6SdyAHkrkd+hXAm8VPIjCFOmminneajpnsZZ1Uvc5Q1+OsZqjVkSlYx45u2kD\n"
    "O4ghtiSaYLoMqGLum30o1o2uTYCEucfHKZinpng+Qu11Nc+Qg6dYB+hcX7y1zbgg\n"
    "dYplzm2fAcKyCV1+DNkdDTw0t/st+fudeDI1xkSuTuRq7N3xZmOfFRVxeKukrASb\n"
    "SP5KgrJLY2DK7HMH2qGnoBLRpVqhFhmoWwn5/XmQAaiZV/jXHgT2AMVbHkiW5tx5\n"
    "AuFaRiWNwI1AJ9LQXd0vpdlZ2gyvEAgdXsdbna+1dIw53OmfDBIzRJql/LyrhKDg\n"
    "TzB+rgkE7MwbPZ+W16BHXdVp1tVwjvuP1n9vGu479dnd6VtPUrYECfNIeg2tekwv\n"
    "fzLES9wk09RWFkMMzFoSkw3L4KBV6hLuXxI0PrhLgOrJ1tYgwRCKzlzCiOUf/rIG\n"
    "+eo8vnqleVg0t2mSh3YWISNaR2IzCD29T63M3yrzlBrLl3Ba3vLhy1V53ckVd/hz\n"
    "T/tE14DYJwFH5uTGWkOEjXLmdmpajPa5ol7jvhRA5belwJvR+Ibmcis0OAd7enws\n"
    "cNsN5iNXaP/nPDG+Y/P/s4KJZyZkjloM42wUzsIQqq1nAkXi6i2L+QzgUGLssPGG\n"
    "9isEpj2+w209HA1gZ2zKY/gMGyZCDt96BwEr\n"
    "-----END OpenVPN tls-crypt-v2 client key-----\n";

static const char real_v2_client_key_user[] =
    "-----BEGIN OpenVPN tls-crypt-v2 client key-----\n"
    "J8Cl1GRm2RZpynt+ya8ygzMm+kG4D7ZZuyb2Ua36jAIu7LG+YVcSD2e21tMqGTCh\n"
    "GIBHxgJ+tW6Ps2RJGPL9VQEr+3MvN/hCKcHVCA7dt6YqgDlRerVKP++AqoNpH2pa\n"
    "vSJWIg2IOZc9LHc6c+7cY2wysiDi1Qb3xEYRa1wHOioouD+WfQsuSwKYbVE7J7hJ\n"
    "IHasNvAK1KCLbPu+CpmKgkd8oSBzUrawI1xu9byzB7NrvGNRWz1UEXoQ1o9bgMaD\n"
    "fpgZE4u7pKjHd4sR/XP0V3ZwyWSgMjTc2lIiQpOxG3bxBNP3ghRBUs/MWvt/yJl8\n"
    "FjKYxIApqrIjnuXMsmsZrNI56v5l8QL1w1MpeRfEJlNKThJNpqQU8DEaH00bpUx5\n"
    "xCpuS2V/a3yDT5anREuXNu1B9giOvH6YNw37luP8lDyVuA9GtWHynXXlm6gtnHkx\n"
    "6LR96m1ArRK/xRWwQI/4ysoJlAr9RONfmVdgbSYIP5rv0b7x9S7+UUgkNFYEl/yC\n"
    "t38bC71G4tMTVF5Kj/67Cx2Cum8VTR3Jwnk6Keta9XSsuRztco06eFvVFl9BxeET\n"
    "WJbFRfvRZ+EQWpz01/utfdTToJoYZu72eWLgRmSrgAYXF6nJH1K14PuvAm0MEqvQ\n"
    "oFSdQn7ueOHt1kGwJfdw4lwz/cNHrve+eGOuX4z+nq2TpPvVGjClieRx6Lym6VE2\n"
    "Ewn8oeh3jt/m+XMAAB+HqIxKPopMOyVgBcaugwEu\n"
    "-----END OpenVPN tls-crypt-v2 client key-----\n";

/* Kc of real_v2_client_key, decoded independently (Python base64). */
static const uint8_t real_kc[CTLWRAP_KEY_LEN] = {
    0x7f, 0xa5, 0x7f, 0xac, 0x11, 0x96, 0xba, 0x12, 0x28, 0xe0, 0x92, 0xaa, 0xd2, 0xbb, 0x63, 0xd2,
    0x3b, 0x04, 0x74, 0x68, 0x9b, 0xd7, 0x85, 0x5a, 0x7e, 0x09, 0x6d, 0xcb, 0xa9, 0xb1, 0x3c, 0x13,
    0xe6, 0xb4, 0xc7, 0x47, 0xdf, 0xfd, 0x5d, 0x08, 0x01, 0xeb, 0xaf, 0xc9, 0x52, 0x52, 0xb0, 0xbd,
    0xfa, 0x24, 0xfa, 0x49, 0xdc, 0x80, 0x1e, 0x4a, 0xe4, 0x77, 0xe8, 0x57, 0x02, 0x6f, 0x15, 0x3c,
    0x88, 0xc2, 0x14, 0xe9, 0xa6, 0x8a, 0x79, 0xde, 0x6a, 0x3a, 0x67, 0xb1, 0x96, 0x75, 0x52, 0xf7,
    0x39, 0x43, 0x5f, 0x8e, 0xb1, 0x9a, 0xa3, 0x56, 0x44, 0xa5, 0x63, 0x1e, 0x39, 0xbb, 0x69, 0x03,
    0x3b, 0x88, 0x21, 0xb6, 0x24, 0x9a, 0x60, 0xba, 0x0c, 0xa8, 0x62, 0xee, 0x9b, 0x7d, 0x28, 0xd6,
    0x8d, 0xae, 0x4d, 0x80, 0x84, 0xb9, 0xc7, 0xc7, 0x29, 0x98, 0xa7, 0xa6, 0x78, 0x3e, 0x42, 0xed,
    0x75, 0x35, 0xcf, 0x90, 0x83, 0xa7, 0x58, 0x07, 0xe8, 0x5c, 0x5f, 0xbc, 0xb5, 0xcd, 0xb8, 0x20,
    0x75, 0x8a, 0x65, 0xce, 0x6d, 0x9f, 0x01, 0xc2, 0xb2, 0x09, 0x5d, 0x7e, 0x0c, 0xd9, 0x1d, 0x0d,
    0x3c, 0x34, 0xb7, 0xfb, 0x2d, 0xf9, 0xfb, 0x9d, 0x78, 0x32, 0x35, 0xc6, 0x44, 0xae, 0x4e, 0xe4,
    0x6a, 0xec, 0xdd, 0xf1, 0x66, 0x63, 0x9f, 0x15, 0x15, 0x71, 0x78, 0xab, 0xa4, 0xac, 0x04, 0x9b,
    0x48, 0xfe, 0x4a, 0x82, 0xb2, 0x4b, 0x63, 0x60, 0xca, 0xec, 0x73, 0x07, 0xda, 0xa1, 0xa7, 0xa0,
    0x12, 0xd1, 0xa5, 0x5a, 0xa1, 0x16, 0x19, 0xa8, 0x5b, 0x09, 0xf9, 0xfd, 0x79, 0x90, 0x01, 0xa8,
    0x99, 0x57, 0xf8, 0xd7, 0x1e, 0x04, 0xf6, 0x00, 0xc5, 0x5b, 0x1e, 0x48, 0x96, 0xe6, 0xdc, 0x79,
    0x02, 0xe1, 0x5a, 0x46, 0x25, 0x8d, 0xc0, 0x8d, 0x40, 0x27, 0xd2, 0xd0, 0x5d, 0xdd, 0x2f, 0xa5,
};

#define REAL_C_TIMESTAMP 1795431233 /* metadata of c, decoded independently */

/* openvpn --client --tls-crypt-v2 c: HARD_RESET_CLIENT_V3 (tls-crypt with Kc, then WKc) */
static const uint8_t real_v3_reset[353] = {
    0x50, 0xa7, 0x4b, 0xad, 0x97, 0xa0, 0x21, 0xc3, 0xce, 0x0f, 0x00, 0x00, 0x01, 0x6b, 0x04, 0x1f,
    0x26, 0x93, 0x8f, 0xed, 0xf4, 0xf0, 0xa9, 0x39, 0x60, 0xa5, 0x36, 0xaa, 0x43, 0xcb, 0x59, 0x7b,
    0xf8, 0xb6, 0x48, 0x71, 0xd5, 0xf7, 0x46, 0x4d, 0xb0, 0x07, 0x07, 0x3c, 0x2a, 0x36, 0x1b, 0x79,
    0x92, 0x03, 0xf6, 0xf1, 0xda, 0x2e, 0xd9, 0x59, 0xda, 0x0c, 0xaf, 0x10, 0x08, 0x1d, 0x5e, 0xc7,
    0x5b, 0x9d, 0xaf, 0xb5, 0x74, 0x8c, 0x39, 0xdc, 0xe9, 0x9f, 0x0c, 0x12, 0x33, 0x44, 0x9a, 0xa5,
    0xfc, 0xbc, 0xab, 0x84, 0xa0, 0xe0, 0x4f, 0x30, 0x7e, 0xae, 0x09, 0x04, 0xec, 0xcc, 0x1b, 0x3d,
    0x9f, 0x96, 0xd7, 0xa0, 0x47, 0x5d, 0xd5, 0x69, 0xd6, 0xd5, 0x70, 0x8e, 0xfb, 0x8f, 0xd6, 0x7f,
    0x6f, 0x1a, 0xee, 0x3b, 0xf5, 0xd9, 0xdd, 0xe9, 0x5b, 0x4f, 0x52, 0xb6, 0x04, 0x09, 0xf3, 0x48,
    0x7a, 0x0d, 0xad, 0x7a, 0x4c, 0x2f, 0x7f, 0x32, 0xc4, 0x4b, 0xdc, 0x24, 0xd3, 0xd4, 0x56, 0x16,
    0x43, 0x0c, 0xcc, 0x5a, 0x12, 0x93, 0x0d, 0xcb, 0xe0, 0xa0, 0x55, 0xea, 0x12, 0xee, 0x5f, 0x12,
    0x34, 0x3e, 0xb8, 0x4b, 0x80, 0xea, 0xc9, 0xd6, 0xd6, 0x20, 0xc1, 0x10, 0x8a, 0xce, 0x5c, 0xc2,
    0x88, 0xe5, 0x1f, 0xfe, 0xb2, 0x06, 0xf9, 0xea, 0x3c, 0xbe, 0x7a, 0xa5, 0x79, 0x58, 0x34, 0xb7,
    0x69, 0x92, 0x87, 0x76, 0x16, 0x21, 0x23, 0x5a, 0x47, 0x62, 0x33, 0x08, 0x3d, 0xbd, 0x4f, 0xad,
    0xcc, 0xdf, 0x2a, 0xf3, 0x94, 0x1a, 0xcb, 0x97, 0x70, 0x5a, 0xde, 0xf2, 0xe1, 0xcb, 0x55, 0x79,
    0xdd, 0xc9, 0x15, 0x77, 0xf8, 0x73, 0x4f, 0xfb, 0x44, 0xd7, 0x80, 0xd8, 0x27, 0x01, 0x47, 0xe6,
    0xe4, 0xc6, 0x5a, 0x43, 0x84, 0x8d, 0x72, 0xe6, 0x76, 0x6a, 0x5a, 0x8c, 0xf6, 0xb9, 0xa2, 0x5e,
    0xe3, 0xbe, 0x14, 0x40, 0xe5, 0xb7, 0xa5, 0xc0, 0x9b, 0xd1, 0xf8, 0x86, 0xe6, 0x72, 0x2b, 0x34,
    0x38, 0x07, 0x7b, 0x7a, 0x7c, 0x2c, 0x70, 0xdb, 0x0d, 0xe6, 0x23, 0x57, 0x68, 0xff, 0xe7, 0x3c,
    0x31, 0xbe, 0x63, 0xf3, 0xff, 0xb3, 0x82, 0x89, 0x67, 0x26, 0x64, 0x8e, 0x5a, 0x0c, 0xe3, 0x6c,
    0x14, 0xce, 0xc2, 0x10, 0xaa, 0xad, 0x67, 0x02, 0x45, 0xe2, 0xea, 0x2d, 0x8b, 0xf9, 0x0c, 0xe0,
    0x50, 0x62, 0xec, 0xb0, 0xf1, 0x86, 0xf6, 0x2b, 0x04, 0xa6, 0x3d, 0xbe, 0xc3, 0x6d, 0x3d, 0x1c,
    0x0d, 0x60, 0x67, 0x6c, 0xca, 0x63, 0xf8, 0x0c, 0x1b, 0x26, 0x42, 0x0e, 0xdf, 0x7a, 0x07, 0x01,
    0x2b,
};
/* the same with the USER-metadata key cu */
static const uint8_t real_v3_reset_user[356] = {
    0x50, 0xc1, 0x2b, 0x51, 0xd9, 0xe0, 0x7c, 0x18, 0x12, 0x0f, 0x00, 0x00, 0x01, 0x6b, 0x04, 0x1f,
    0x27, 0x36, 0xed, 0x20, 0x4e, 0xc0, 0xdd, 0x7b, 0xb1, 0x24, 0x95, 0x4d, 0x05, 0x6e, 0x09, 0x5d,
    0x96, 0x18, 0x8e, 0xb8, 0x06, 0xa0, 0xeb, 0x33, 0x96, 0xea, 0x46, 0xff, 0x72, 0x75, 0xe3, 0x17,
    0x9a, 0x9e, 0x22, 0x0f, 0x11, 0x36, 0xd2, 0x39, 0xea, 0xfe, 0x65, 0xf1, 0x02, 0xf5, 0xc3, 0x53,
    0x29, 0x79, 0x17, 0xc4, 0x26, 0x53, 0x4a, 0x4e, 0x12, 0x4d, 0xa6, 0xa4, 0x14, 0xf0, 0x31, 0x1a,
    0x1f, 0x4d, 0x1b, 0xa5, 0x4c, 0x79, 0xc4, 0x2a, 0x6e, 0x4b, 0x65, 0x7f, 0x6b, 0x7c, 0x83, 0x4f,
    0x96, 0xa7, 0x44, 0x4b, 0x97, 0x36, 0xed, 0x41, 0xf6, 0x08, 0x8e, 0xbc, 0x7e, 0x98, 0x37, 0x0d,
    0xfb, 0x96, 0xe3, 0xfc, 0x94, 0x3c, 0x95, 0xb8, 0x0f, 0x46, 0xb5, 0x61, 0xf2, 0x9d, 0x75, 0xe5,
    0x9b, 0xa8, 0x2d, 0x9c, 0x79, 0x31, 0xe8, 0xb4, 0x7d, 0xea, 0x6d, 0x40, 0xad, 0x12, 0xbf, 0xc5,
    0x15, 0xb0, 0x40, 0x8f, 0xf8, 0xca, 0xca, 0x09, 0x94, 0x0a, 0xfd, 0x44, 0xe3, 0x5f, 0x99, 0x57,
    0x60, 0x6d, 0x26, 0x08, 0x3f, 0x9a, 0xef, 0xd1, 0xbe, 0xf1, 0xf5, 0x2e, 0xfe, 0x51, 0x48, 0x24,
    0x34, 0x56, 0x04, 0x97, 0xfc, 0x82, 0xb7, 0x7f, 0x1b, 0x0b, 0xbd, 0x46, 0xe2, 0xd3, 0x13, 0x54,
    0x5e, 0x4a, 0x8f, 0xfe, 0xbb, 0x0b, 0x1d, 0x82, 0xba, 0x6f, 0x15, 0x4d, 0x1d, 0xc9, 0xc2, 0x79,
    0x3a, 0x29, 0xeb, 0x5a, 0xf5, 0x74, 0xac, 0xb9, 0x1c, 0xed, 0x72, 0x8d, 0x3a, 0x78, 0x5b, 0xd5,
    0x16, 0x5f, 0x41, 0xc5, 0xe1, 0x13, 0x58, 0x96, 0xc5, 0x45, 0xfb, 0xd1, 0x67, 0xe1, 0x10, 0x5a,
    0x9c, 0xf4, 0xd7, 0xfb, 0xad, 0x7d, 0xd4, 0xd3, 0xa0, 0x9a, 0x18, 0x66, 0xee, 0xf6, 0x79, 0x62,
    0xe0, 0x46, 0x64, 0xab, 0x80, 0x06, 0x17, 0x17, 0xa9, 0xc9, 0x1f, 0x52, 0xb5, 0xe0, 0xfb, 0xaf,
    0x02, 0x6d, 0x0c, 0x12, 0xab, 0xd0, 0xa0, 0x54, 0x9d, 0x42, 0x7e, 0xee, 0x78, 0xe1, 0xed, 0xd6,
    0x41, 0xb0, 0x25, 0xf7, 0x70, 0xe2, 0x5c, 0x33, 0xfd, 0xc3, 0x47, 0xae, 0xf7, 0xbe, 0x78, 0x63,
    0xae, 0x5f, 0x8c, 0xfe, 0x9e, 0xad, 0x93, 0xa4, 0xfb, 0xd5, 0x1a, 0x30, 0xa5, 0x89, 0xe4, 0x71,
    0xe8, 0xbc, 0xa6, 0xe9, 0x51, 0x36, 0x13, 0x09, 0xfc, 0xa1, 0xe8, 0x77, 0x8e, 0xdf, 0xe6, 0xf9,
    0x73, 0x00, 0x00, 0x1f, 0x87, 0xa8, 0x8c, 0x4a, 0x3e, 0x8a, 0x4c, 0x3b, 0x25, 0x60, 0x05, 0xc6,
    0xae, 0x83, 0x01, 0x2e,
};
/* openvpn --client --tls-auth k 1 --auth SHA256: HARD_RESET_CLIENT_V2 */
static const uint8_t real_tls_auth_reset[54] = {
    0x38, 0x00, 0x20, 0x7c, 0x53, 0x9e, 0x9d, 0x2f, 0xfc, 0x1d, 0x02, 0x30, 0x6a, 0xa3,
    0x1a, 0x27, 0x1d, 0xf3, 0xfa, 0x3d, 0x58, 0x96, 0xc7, 0xcb, 0x77, 0x21, 0xc8, 0x52,
    0xf1, 0xb1, 0xb8, 0x25, 0xdf, 0x32, 0x56, 0xf3, 0x64, 0x98, 0x05, 0xe0, 0x6d, 0x00,
    0x00, 0x00, 0x01, 0x6b, 0x04, 0x1f, 0x26, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* openvpn --client --tls-crypt k: HARD_RESET_CLIENT_V2 */
static const uint8_t real_tls_crypt_reset[54] = {
    0x38, 0xd5, 0x5b, 0x56, 0xfe, 0x77, 0xf0, 0x9f, 0x15, 0x00, 0x00, 0x00, 0x01, 0x6b,
    0x04, 0x1f, 0x27, 0xdd, 0x20, 0x12, 0x01, 0x5f, 0x28, 0x62, 0xe1, 0x09, 0x13, 0x8f,
    0x40, 0xdc, 0x5d, 0x64, 0x9f, 0xaf, 0xd8, 0x81, 0xf1, 0x8d, 0xd6, 0xfd, 0x6f, 0x4b,
    0xc9, 0x39, 0x4d, 0x9c, 0xaa, 0xc2, 0xd3, 0xc7, 0x7e, 0x54, 0xeb, 0xb7,
};

/* ---- helpers ---- */

/* Deterministic "random" bytes: keys differ in every slot so direction mix-ups show. */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1u;

    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
}

struct side {
    enum ctlwrap_mode mode;
    enum ctlwrap_role role;
    int dir;
    const char *digest;
};

static struct ctlwrap *make_cw(const struct side *s, const uint8_t *key, const uint8_t *wkc,
                               size_t wkc_len, uint32_t send_time)
{
    struct ctlwrap_params p;
    struct ctlwrap *cw = NULL;

    ctlwrap_params_init(&p);
    p.mode = s->mode;
    p.role = s->role;
    p.key_direction = s->dir;
    if (s->digest)
        p.digest = s->digest;
    p.key = key;
    p.wkc = wkc;
    p.wkc_len = wkc_len;
    p.send_time = send_time;
    assert_int_equal(ctlwrap_new(&p, &cw), CTLWRAP_OK);
    assert_non_null(cw);
    return cw;
}

static const struct wire_sid sid_a = { { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 } };
static const struct wire_sid sid_b = { { 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0, 0x01 } };

/* A plain control packet: opcode, n acks, msg id, payload of plen bytes. */
static size_t build_plain(uint8_t *out, size_t cap, uint8_t opcode, unsigned acks, uint32_t msg,
                          size_t plen)
{
    static uint8_t payload[2048];
    struct wire_control c;
    struct buf_writer w;

    memset(&c, 0, sizeof(c));
    fill(payload, sizeof(payload), (uint32_t)plen + msg);
    c.opcode = opcode;
    c.key_id = 0;
    c.sid = sid_a;
    c.ack.n = (uint8_t)acks;
    for (unsigned i = 0; i < acks; i++)
        c.ack.ids[i] = msg + i;
    c.ack.remote_sid = sid_b;
    c.msg_id = msg;
    c.payload = plen ? payload : NULL;
    c.payload_len = plen;
    buf_writer_init(&w, out, cap);
    assert_int_equal(wire_control_build(&w, &c), WIRE_OK);
    return buf_writer_len(&w);
}

static size_t wrap(struct ctlwrap *cw, const uint8_t *plain, size_t len, uint8_t *out)
{
    struct buf_writer w;

    buf_writer_init(&w, out, PKT_MAX);
    assert_int_equal(ctlwrap_wrap(cw, plain, len, &w), CTLWRAP_OK);
    return buf_writer_len(&w);
}

static int unwrap(struct ctlwrap *cw, const uint8_t *pkt, size_t len, uint64_t now, uint8_t *out,
                  size_t *out_len)
{
    struct buf_writer w;
    int rc;

    buf_writer_init(&w, out, PKT_MAX);
    rc = ctlwrap_unwrap(cw, pkt, len, now, &w);
    *out_len = buf_writer_len(&w);
    if (rc)
        assert_int_equal(*out_len, 0); /* nothing written on failure */
    return rc;
}

static void expect_unwrap(struct ctlwrap *cw, const uint8_t *pkt, size_t len, const uint8_t *want,
                          size_t want_len)
{
    uint8_t out[PKT_MAX];
    size_t n;

    assert_int_equal(unwrap(cw, pkt, len, 0, out, &n), CTLWRAP_OK);
    assert_int_equal(n, want_len);
    assert_memory_equal(out, want, want_len);
}

static void expect_drop(struct ctlwrap *cw, const uint8_t *pkt, size_t len, int why)
{
    uint8_t out[PKT_MAX];
    size_t n;

    assert_int_equal(unwrap(cw, pkt, len, 0, out, &n), why);
}

/* The replay id of a wrapped packet, read with the stateless ctlwrap_open(). */
static struct wire_replay_id open_rid(struct ctlwrap *cw, const uint8_t *pkt, size_t len)
{
    uint8_t out[PKT_MAX];
    struct wire_replay_id rid = { 0, 0 };
    struct buf_writer w;

    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(ctlwrap_open(cw, pkt, len, &w, &rid), CTLWRAP_OK);
    return rid;
}

/* A key2 with the given hmac / cipher bytes placed in slot 0 or 1, the rest pseudo-random. */
static void key_with(uint8_t *key, unsigned slot, const uint8_t *cipher, const uint8_t *hmac,
                     size_t hmac_len)
{
    fill(key, CTLWRAP_KEY_LEN, 99);
    if (cipher)
        memcpy(key + slot * 128u, cipher, 32);
    memcpy(key + slot * 128u + 64u, hmac, hmac_len);
}

/* ---- the [W] vectors ---- */

static void test_tls_auth_vector(void **state)
{
    const struct side server = { CTLWRAP_TLS_AUTH, CTLWRAP_SERVER, 0, "SHA1" };
    const struct side client = { CTLWRAP_TLS_AUTH, CTLWRAP_CLIENT, 1, "SHA1" };
    uint8_t key[CTLWRAP_KEY_LEN], out[PKT_MAX];
    struct ctlwrap *s, *c;

    (void)state;
    key_with(key, 1, NULL, ta_hmac_key, sizeof(ta_hmac_key));
    s = make_cw(&server, key, NULL, 0, 0);
    c = make_cw(&client, key, NULL, 0, TA_TIME);
    expect_unwrap(s, ta_packet, sizeof(ta_packet), ta_plain, sizeof(ta_plain));
    assert_int_equal(wrap(c, ta_plain, sizeof(ta_plain), out), sizeof(ta_packet));
    assert_memory_equal(out, ta_packet, sizeof(ta_packet));
    assert_int_equal(ctlwrap_last_send_id(c), 1);
    assert_int_equal(ctlwrap_overhead(c, WIRE_P_CONTROL_V1), 28);
    /* The server's own sending key is keys[0]: it cannot have produced this packet. */
    expect_drop(c, ta_packet, sizeof(ta_packet), CTLWRAP_ERR_AUTH);
    ctlwrap_free(s);
    ctlwrap_free(c);
}

static void test_tls_crypt_vector(void **state)
{
    const struct side server = { CTLWRAP_TLS_CRYPT, CTLWRAP_SERVER, 0, NULL };
    const struct side client = { CTLWRAP_TLS_CRYPT, CTLWRAP_CLIENT, 0, NULL };
    uint8_t key[CTLWRAP_KEY_LEN], out[PKT_MAX];
    struct ctlwrap *s, *c;

    (void)state;
    key_with(key, 1, tc_ke, tc_ka, sizeof(tc_ka));
    s = make_cw(&server, key, NULL, 0, 0);
    c = make_cw(&client, key, NULL, 0, TC_TIME);
    expect_unwrap(s, tc_packet, sizeof(tc_packet), tc_plain, sizeof(tc_plain));
    assert_int_equal(wrap(c, tc_plain, sizeof(tc_plain), out), sizeof(tc_packet));
    assert_memory_equal(out, tc_packet, sizeof(tc_packet));
    assert_int_equal(ctlwrap_overhead(c, WIRE_P_CONTROL_V1), CTLWRAP_TLS_CRYPT_OVERHEAD);
    expect_drop(c, tc_packet, sizeof(tc_packet), CTLWRAP_ERR_AUTH);
    ctlwrap_free(s);
    ctlwrap_free(c);
}

/* ---- round trips in every mode ---- */

struct pair {
    struct side client, server;
};

static const struct pair pairs[] = {
    { { CTLWRAP_NONE, CTLWRAP_CLIENT, 0, NULL }, { CTLWRAP_NONE, CTLWRAP_SERVER, 0, NULL } },
    { { CTLWRAP_TLS_AUTH, CTLWRAP_CLIENT, 1, "SHA1" },
      { CTLWRAP_TLS_AUTH, CTLWRAP_SERVER, 0, "SHA1" } },
    { { CTLWRAP_TLS_AUTH, CTLWRAP_CLIENT, 0, "SHA256" },
      { CTLWRAP_TLS_AUTH, CTLWRAP_SERVER, 1, "SHA256" } },
    { { CTLWRAP_TLS_AUTH, CTLWRAP_CLIENT, CTLWRAP_KEY_DIR_BIDI, "SHA512" },
      { CTLWRAP_TLS_AUTH, CTLWRAP_SERVER, CTLWRAP_KEY_DIR_BIDI, "SHA512" } },
    { { CTLWRAP_TLS_AUTH, CTLWRAP_CLIENT, CTLWRAP_KEY_DIR_BIDI, "SHA1" },
      { CTLWRAP_TLS_AUTH, CTLWRAP_SERVER, CTLWRAP_KEY_DIR_BIDI, "SHA1" } },
    { { CTLWRAP_TLS_CRYPT, CTLWRAP_CLIENT, 0, NULL },
      { CTLWRAP_TLS_CRYPT, CTLWRAP_SERVER, 0, NULL } },
    { { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_CLIENT, 0, NULL },
      { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_SERVER, 0, NULL } },
};

#define N_PAIRS (sizeof(pairs) / sizeof(pairs[0]))

struct peers {
    struct ctlwrap *c, *s;
    uint8_t wkc[WIRE_WKC_MAX_LEN];
    size_t wkc_len;
};

/* Makes a WKc for kc with a throwaway server key (the session side never needs that key). */
static size_t make_wkc(const uint8_t *kc, uint8_t *wkc)
{
    uint8_t skey[CTLWRAP_V2_SERVER_KEY_LEN];
    struct ctlwrap_v2_server *srv;
    struct ctlwrap_metadata md;
    struct buf_writer w;

    fill(skey, sizeof(skey), 7);
    assert_int_equal(ctlwrap_v2_server_new(skey, &srv), CTLWRAP_OK);
    ctlwrap_metadata_set_timestamp(&md, 1700000000);
    buf_writer_init(&w, wkc, WIRE_WKC_MAX_LEN);
    assert_int_equal(ctlwrap_wkc_wrap(srv, kc, &md, &w), CTLWRAP_OK);
    ctlwrap_v2_server_free(srv);
    return buf_writer_len(&w);
}

static void peers_make(struct peers *p, const struct pair *pr, uint32_t key_seed)
{
    uint8_t key[CTLWRAP_KEY_LEN];

    fill(key, sizeof(key), key_seed);
    p->wkc_len = 0;
    if (pr->client.mode == CTLWRAP_TLS_CRYPT_V2)
        p->wkc_len = make_wkc(key, p->wkc);
    p->c = make_cw(&pr->client, key, p->wkc, p->wkc_len, 1000);
    p->s = make_cw(&pr->server, key, NULL, 0, 2000);
}

static void peers_free(struct peers *p)
{
    ctlwrap_free(p->c);
    ctlwrap_free(p->s);
}

static void round_trip(struct ctlwrap *from, struct ctlwrap *to, const uint8_t *plain, size_t len,
                       size_t extra)
{
    uint8_t wire[PKT_MAX];
    size_t n = wrap(from, plain, len, wire);

    assert_int_equal(n, len + extra);
    expect_unwrap(to, wire, n, plain, len);
}

/* Bytes on the wire beyond the plain packet (not the size-budget reserve). */
static size_t wire_extra(const struct ctlwrap *cw, const struct side *sd, uint8_t opcode,
                         size_t wkc_len)
{
    switch (sd->mode) {
    case CTLWRAP_TLS_AUTH:
        return ctlwrap_overhead(cw, opcode);
    case CTLWRAP_TLS_CRYPT:
        return 40;
    case CTLWRAP_TLS_CRYPT_V2:
        return 40 +
               (opcode == WIRE_P_CONTROL_HARD_RESET_CLIENT_V3 || opcode == WIRE_P_CONTROL_WKC_V1
                    ? wkc_len
                    : 0);
    default:
        return 0;
    }
}

static void test_round_trips(void **state)
{
    static const size_t payloads[] = { 0, 1, 100, 255, 256, 257, 1300, 2000 };
    uint8_t plain[PKT_MAX];

    (void)state;
    for (size_t i = 0; i < N_PAIRS; i++) {
        struct peers p;
        peers_make(&p, &pairs[i], (uint32_t)i + 1);
        for (size_t k = 0; k < sizeof(payloads) / sizeof(payloads[0]); k++) {
            for (unsigned acks = 0; acks <= 4; acks += 2) {
                size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, acks, (uint32_t)k,
                                       payloads[k]);
                round_trip(p.c, p.s, plain, n,
                           wire_extra(p.c, &pairs[i].client, WIRE_P_CONTROL_V1, 0));
                round_trip(p.s, p.c, plain, n,
                           wire_extra(p.s, &pairs[i].server, WIRE_P_CONTROL_V1, 0));
            }
        }
        size_t n = build_plain(plain, sizeof(plain), WIRE_P_ACK_V1, 8, 0, 0);
        round_trip(p.c, p.s, plain, n, wire_extra(p.c, &pairs[i].client, WIRE_P_ACK_V1, 0));
        n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_HARD_RESET_SERVER_V2, 1, 0, 6);
        round_trip(p.s, p.c, plain, n, wire_extra(p.s, &pairs[i].server, 8, 0));
        if (pairs[i].client.mode == CTLWRAP_TLS_CRYPT_V2) {
            n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_HARD_RESET_CLIENT_V3, 0, 0, 0);
            round_trip(
                p.c, p.s, plain, n,
                wire_extra(p.c, &pairs[i].client, WIRE_P_CONTROL_HARD_RESET_CLIENT_V3, p.wkc_len));
            n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_WKC_V1, 1, 1, 500);
            round_trip(p.c, p.s, plain, n,
                       wire_extra(p.c, &pairs[i].client, WIRE_P_CONTROL_WKC_V1, p.wkc_len));
        }
        peers_free(&p);
    }
}

/* Both sides count their own ids from 1; a v2 client from the early-negotiation marker. */
static void test_send_ids(void **state)
{
    uint8_t plain[PKT_MAX], wire[PKT_MAX];

    (void)state;
    for (size_t i = 1; i < N_PAIRS; i++) {
        struct peers p;
        uint32_t first = pairs[i].client.mode == CTLWRAP_TLS_CRYPT_V2 ? 0x0F000001u : 1u;
        peers_make(&p, &pairs[i], 40);
        size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 0, 0, 10);
        for (uint32_t k = 0; k < 3; k++) {
            size_t m = wrap(p.c, plain, n, wire);
            struct wire_replay_id rid = open_rid(p.s, wire, m);
            assert_int_equal(rid.id, first + k);
            assert_int_equal(rid.time, 1000);
            assert_int_equal(wire_replay_id_has_early_neg(rid.id), first != 1);
            m = wrap(p.s, plain, n, wire);
            rid = open_rid(p.c, wire, m);
            assert_int_equal(rid.id, 1 + k);
            assert_int_equal(rid.time, 2000);
        }
        /* The stateless reply used id 1; the session goes on with 2. */
        ctlwrap_set_send_id(p.s, 1);
        size_t m = wrap(p.s, plain, n, wire);
        assert_int_equal(open_rid(p.c, wire, m).id, 2);
        peers_free(&p);
    }
}

static void test_none_mode(void **state)
{
    const struct side none = { CTLWRAP_NONE, CTLWRAP_SERVER, 0, NULL };
    uint8_t plain[PKT_MAX], wire[PKT_MAX];
    struct ctlwrap *cw = make_cw(&none, NULL, NULL, 0, 0);
    struct wire_replay_id rid = { 7, 7 };
    struct buf_writer w;

    (void)state;
    size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 1, 3, 50);
    assert_int_equal(wrap(cw, plain, n, wire), n);
    assert_memory_equal(wire, plain, n);
    assert_int_equal(ctlwrap_overhead(cw, WIRE_P_CONTROL_V1), 0);
    buf_writer_init(&w, wire, sizeof(wire));
    assert_int_equal(ctlwrap_open(cw, plain, n, &w, &rid), CTLWRAP_OK);
    assert_int_equal(rid.id, 0);
    assert_int_equal(rid.time, 0);
    /* No integrity: the same packet is fine twice, a shorter one as long as the head is whole. */
    expect_unwrap(cw, plain, n, plain, n);
    expect_unwrap(cw, plain, n, plain, n);
    expect_unwrap(cw, plain, WIRE_CONTROL_HEAD_LEN, plain, WIRE_CONTROL_HEAD_LEN);
    for (size_t len = 0; len < WIRE_CONTROL_HEAD_LEN; len++)
        expect_drop(cw, plain, len, CTLWRAP_ERR_TRUNCATED);
    assert_int_equal(ctlwrap_replay_commit(cw, &rid, 0), CTLWRAP_OK);
    assert_int_equal(ctlwrap_rekey(cw, plain), CTLWRAP_ERR_PARAM);
    assert_int_equal(ctlwrap_mode_of(cw), CTLWRAP_NONE);
    ctlwrap_free(cw);
}

/* ---- bad input ---- */

/* Accepted as a whole: the packet authenticates and, if it carries one, so does its WKc. */
static bool accepted(struct ctlwrap *s, struct ctlwrap_v2_server *srv, const uint8_t *pkt,
                     size_t len)
{
    uint8_t out[PKT_MAX], kc[CTLWRAP_KEY_LEN];
    struct ctlwrap_metadata md;
    struct wire_replay_id rid;
    struct wire_wkc_split split;
    struct buf_writer w;

    buf_writer_init(&w, out, sizeof(out));
    if (ctlwrap_open(s, pkt, len, &w, &rid) != CTLWRAP_OK)
        return false;
    if (!srv)
        return true;
    if (wire_wkc_split(pkt, len, &split) != WIRE_OK)
        return false;
    return ctlwrap_wkc_unwrap(srv, split.wkc, split.wkc_len, kc, &md) == CTLWRAP_OK;
}

static void flip_every_bit(struct ctlwrap *s, struct ctlwrap_v2_server *srv, uint8_t *pkt,
                           size_t len)
{
    assert_true(accepted(s, srv, pkt, len));
    for (size_t i = 0; i < len * 8; i++) {
        pkt[i / 8] ^= (uint8_t)(1u << (i % 8));
        assert_false(accepted(s, srv, pkt, len));
        pkt[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    assert_true(accepted(s, srv, pkt, len));
}

static void test_bit_flips(void **state)
{
    uint8_t plain[PKT_MAX], wire[PKT_MAX];

    (void)state;
    for (size_t i = 1; i < N_PAIRS; i++) {
        struct peers p;
        peers_make(&p, &pairs[i], 50);
        size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 1, 1, 20);
        size_t m = wrap(p.c, plain, n, wire);
        flip_every_bit(p.s, NULL, wire, m);
        m = wrap(p.s, plain, n, wire);
        flip_every_bit(p.c, NULL, wire, m);
        peers_free(&p);
    }
}

/* A v2 reset: flips in the packet fail its tag, flips in the WKc fail the WKc's. */
static void test_bit_flips_v2_reset(void **state)
{
    const struct side client = { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_CLIENT, 0, NULL };
    const struct side server = { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_SERVER, 0, NULL };
    uint8_t skey[CTLWRAP_V2_SERVER_KEY_LEN], kc[CTLWRAP_KEY_LEN], wkc[WIRE_WKC_MAX_LEN];
    uint8_t plain[PKT_MAX], wire[PKT_MAX];
    struct ctlwrap_v2_server *srv;
    struct ctlwrap_metadata md;
    struct buf_writer w;

    (void)state;
    fill(skey, sizeof(skey), 5);
    fill(kc, sizeof(kc), 6);
    assert_int_equal(ctlwrap_v2_server_new(skey, &srv), CTLWRAP_OK);
    assert_int_equal(ctlwrap_metadata_set_user(&md, (const uint8_t *)"abc", 3), CTLWRAP_OK);
    buf_writer_init(&w, wkc, sizeof(wkc));
    assert_int_equal(ctlwrap_wkc_wrap(srv, kc, &md, &w), CTLWRAP_OK);
    struct ctlwrap *c = make_cw(&client, kc, wkc, buf_writer_len(&w), 1);
    struct ctlwrap *s = make_cw(&server, kc, NULL, 0, 1);
    size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_HARD_RESET_CLIENT_V3, 0, 0, 0);
    size_t m = wrap(c, plain, n, wire);
    assert_int_equal(m, n + 40 + buf_writer_len(&w));
    flip_every_bit(s, srv, wire, m);
    ctlwrap_free(c);
    ctlwrap_free(s);
    ctlwrap_v2_server_free(srv);
}

static void test_truncation(void **state)
{
    uint8_t plain[PKT_MAX], wire[PKT_MAX], out[PKT_MAX];
    struct wire_replay_id rid;
    struct buf_writer w;

    (void)state;
    for (size_t i = 1; i < N_PAIRS; i++) {
        struct peers p;
        uint8_t op = pairs[i].client.mode == CTLWRAP_TLS_CRYPT_V2 ? WIRE_P_CONTROL_WKC_V1
                                                                  : WIRE_P_CONTROL_V1;
        peers_make(&p, &pairs[i], 60);
        size_t n = build_plain(plain, sizeof(plain), op, 2, 1, 30);
        size_t m = wrap(p.c, plain, n, wire);
        for (size_t len = 0; len < m; len++) {
            buf_writer_init(&w, out, sizeof(out));
            int rc = ctlwrap_open(p.s, wire, len, &w, &rid);
            assert_int_not_equal(rc, CTLWRAP_OK);
            assert_int_equal(buf_writer_len(&w), 0);
            /* (v2 reads the WKc length from the last two bytes first.) */
            if (len < WIRE_CONTROL_HEAD_LEN && pairs[i].client.mode != CTLWRAP_TLS_CRYPT_V2)
                assert_int_equal(rc, CTLWRAP_ERR_TRUNCATED);
        }
        expect_unwrap(p.s, wire, m, plain, n);
        peers_free(&p);
    }
}

static void test_replay(void **state)
{
    uint8_t plain[PKT_MAX], w1[PKT_MAX], w2[PKT_MAX], w3[PKT_MAX];

    (void)state;
    for (size_t i = 1; i < N_PAIRS; i++) {
        struct peers p;
        peers_make(&p, &pairs[i], 70);
        size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 0, 1, 5);
        size_t m1 = wrap(p.c, plain, n, w1);
        size_t m2 = wrap(p.c, plain, n, w2);
        size_t m3 = wrap(p.c, plain, n, w3);
        expect_unwrap(p.s, w2, m2, plain, n);
        expect_unwrap(p.s, w1, m1, plain, n); /* out of order is fine */
        expect_drop(p.s, w2, m2, CTLWRAP_ERR_REPLAY);
        expect_drop(p.s, w1, m1, CTLWRAP_ERR_REPLAY);
        expect_unwrap(p.s, w3, m3, plain, n);
        expect_drop(p.s, w3, m3, CTLWRAP_ERR_REPLAY);
        /* open() keeps no state: a replay passes there, it is the caller's first-packet tool. */
        assert_int_equal(open_rid(p.s, w3, m3).id, ctlwrap_last_send_id(p.c));
        peers_free(&p);
    }
}

/* A packet made with another key is refused and leaves the window untouched. */
static void test_wrong_key(void **state)
{
    uint8_t plain[PKT_MAX], good[PKT_MAX], bad[PKT_MAX], late[PKT_MAX];

    (void)state;
    for (size_t i = 1; i < N_PAIRS; i++) {
        struct peers p, other;
        peers_make(&p, &pairs[i], 80);
        peers_make(&other, &pairs[i], 81);
        size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 0, 1, 5);
        size_t mg = wrap(p.c, plain, n, good);
        /* Id 1000 would push id 1 out of the 64-id window if it were recorded. */
        ctlwrap_set_send_id(other.c, ctlwrap_last_send_id(other.c) + 999);
        size_t mb = wrap(other.c, plain, n, bad);
        expect_drop(p.s, bad, mb, CTLWRAP_ERR_AUTH);
        expect_unwrap(p.s, good, mg, plain, n);
        /* Control: the same jump by the genuine peer does kill the old id. */
        size_t ml = wrap(p.c, plain, n, late);
        ctlwrap_set_send_id(p.c, ctlwrap_last_send_id(p.c) + 999);
        size_t mj = wrap(p.c, plain, n, bad);
        expect_unwrap(p.s, bad, mj, plain, n);
        expect_drop(p.s, late, ml, CTLWRAP_ERR_REPLAY);
        peers_free(&p);
        peers_free(&other);
    }
}

static void expect_mismatch(const struct side *a, const struct side *b)
{
    uint8_t key[CTLWRAP_KEY_LEN], plain[PKT_MAX], wire[PKT_MAX];
    struct ctlwrap *x, *y;

    fill(key, sizeof(key), 90);
    x = make_cw(a, key, NULL, 0, 1);
    y = make_cw(b, key, NULL, 0, 1);
    size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 0, 1, 5);
    size_t m = wrap(x, plain, n, wire);
    expect_drop(y, wire, m, CTLWRAP_ERR_AUTH);
    ctlwrap_free(x);
    ctlwrap_free(y);
}

static void test_direction_mismatch(void **state)
{
    const struct side d0 = { CTLWRAP_TLS_AUTH, CTLWRAP_SERVER, 0, "SHA1" };
    const struct side d1 = { CTLWRAP_TLS_AUTH, CTLWRAP_CLIENT, 1, "SHA1" };
    const struct side bidi = { CTLWRAP_TLS_AUTH, CTLWRAP_CLIENT, CTLWRAP_KEY_DIR_BIDI, "SHA1" };
    const struct side d1_256 = { CTLWRAP_TLS_AUTH, CTLWRAP_CLIENT, 1, "SHA256" };
    const struct side tc_s = { CTLWRAP_TLS_CRYPT, CTLWRAP_SERVER, 0, NULL };
    const struct side tc_c = { CTLWRAP_TLS_CRYPT, CTLWRAP_CLIENT, 0, NULL };

    (void)state;
    expect_mismatch(&d0, &d0);
    expect_mismatch(&d1, &d1);
    expect_mismatch(&d1, &bidi); /* bidi verifies with keys[0], d1 sends with keys[1] */
    expect_mismatch(&bidi, &d0); /* d0 verifies with keys[1] */
    expect_mismatch(&d1_256, &d0);
    expect_mismatch(&tc_s, &tc_s);
    expect_mismatch(&tc_c, &tc_c);
    /* bidi <-> 0 works one way: both use keys[0] for that direction. */
    uint8_t key[CTLWRAP_KEY_LEN], plain[PKT_MAX];
    fill(key, sizeof(key), 90);
    struct ctlwrap *x = make_cw(&d0, key, NULL, 0, 1), *y = make_cw(&bidi, key, NULL, 0, 1);
    size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 0, 1, 5);
    round_trip(x, y, plain, n, 28);
    ctlwrap_free(x);
    ctlwrap_free(y);
}

static void test_opcodes(void **state)
{
    const struct side ta = { CTLWRAP_TLS_AUTH, CTLWRAP_SERVER, 0, "SHA1" };
    const struct side tc = { CTLWRAP_TLS_CRYPT, CTLWRAP_SERVER, 0, NULL };
    const struct side v2s = { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_SERVER, 0, NULL };
    const struct side v2c = { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_CLIENT, 0, NULL };
    uint8_t key[CTLWRAP_KEY_LEN], plain[PKT_MAX], wire[PKT_MAX], wkc[WIRE_WKC_MAX_LEN];
    struct buf_writer w;

    (void)state;
    fill(key, sizeof(key), 100);
    size_t wkc_len = make_wkc(key, wkc);
    struct ctlwrap *cws[4] = { make_cw(&ta, key, NULL, 0, 1), make_cw(&tc, key, NULL, 0, 1),
                               make_cw(&v2s, key, NULL, 0, 1),
                               make_cw(&v2c, key, wkc, wkc_len, 1) };
    size_t n3 = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_HARD_RESET_CLIENT_V3, 0, 0, 0);
    for (int i = 0; i < 3; i++) {
        /* Only a v2 client sends V3 / WKC_V1. */
        buf_writer_init(&w, wire, sizeof(wire));
        assert_int_equal(ctlwrap_wrap(cws[i], plain, n3, &w), CTLWRAP_ERR_OPCODE);
        assert_int_equal(buf_writer_len(&w), 0);
        assert_int_equal(ctlwrap_last_send_id(cws[i]), 0);
    }
    /* ... and only a v2 server takes them. */
    size_t m = wrap(cws[3], plain, n3, wire);
    expect_drop(cws[0], wire, m, CTLWRAP_ERR_OPCODE);
    expect_drop(cws[1], wire, m, CTLWRAP_ERR_OPCODE);
    expect_drop(cws[3], wire, m, CTLWRAP_ERR_OPCODE);
    expect_unwrap(cws[2], wire, m, plain, n3);
    /* Not control packets at all, in every mode, both ways. */
    static const uint8_t firsts[] = { 0x00, 0x08, 0x10, 0x30, 0x48, 0x60, 0xf8 };
    for (int i = 0; i < 4; i++) {
        for (size_t k = 0; k < sizeof(firsts); k++) {
            size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 0, 0, 60);
            plain[0] = firsts[k];
            buf_writer_init(&w, wire, sizeof(wire));
            assert_int_equal(ctlwrap_wrap(cws[i], plain, n, &w), CTLWRAP_ERR_OPCODE);
            expect_drop(cws[i], plain, n, CTLWRAP_ERR_OPCODE);
        }
        /* An all-zero session id. */
        size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 0, 0, 60);
        memset(plain + 1, 0, WIRE_SID_LEN);
        buf_writer_init(&w, wire, sizeof(wire));
        assert_int_equal(ctlwrap_wrap(cws[i], plain, n, &w), CTLWRAP_ERR_SID);
        expect_drop(cws[i], plain, n, CTLWRAP_ERR_SID);
        buf_writer_init(&w, wire, sizeof(wire));
        assert_int_equal(ctlwrap_wrap(cws[i], plain, 5, &w), CTLWRAP_ERR_TRUNCATED);
        assert_int_equal(ctlwrap_wrap(cws[i], NULL, 0, &w), CTLWRAP_ERR_TRUNCATED);
        ctlwrap_free(cws[i]);
    }
}

/* A bad WKc trailer on a packet to a v2 server: framing errors before any crypto. */
static void test_v2_trailer_framing(void **state)
{
    const struct side v2s = { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_SERVER, 0, NULL };
    uint8_t key[CTLWRAP_KEY_LEN], pkt[PKT_MAX];
    struct ctlwrap *s;

    (void)state;
    fill(key, sizeof(key), 110);
    s = make_cw(&v2s, key, NULL, 0, 1);
    fill(pkt, sizeof(pkt), 111);
    pkt[0] = 0x58;
    pkt[398] = 0x01; /* WKc length 289 < 290 */
    pkt[399] = 0x21;
    expect_drop(s, pkt, 400, CTLWRAP_ERR_WKC_LEN);
    pkt[1998] = 0x04; /* 1025 */
    pkt[1999] = 0x01;
    expect_drop(s, pkt, 2000, CTLWRAP_ERR_WKC_LEN);
    pkt[398] = 0x01; /* 400: swallows the op byte */
    pkt[399] = 0x90;
    expect_drop(s, pkt, 400, CTLWRAP_ERR_WKC_LEN);
    pkt[399] = 0x8f; /* 399: leaves only the op byte, too short for tls-crypt */
    expect_drop(s, pkt, 400, CTLWRAP_ERR_TRUNCATED);
    expect_drop(s, pkt, 2, CTLWRAP_ERR_TRUNCATED);
    ctlwrap_free(s);
}

static void test_no_room(void **state)
{
    uint8_t plain[PKT_MAX], wire[PKT_MAX], out[PKT_MAX];
    struct buf_writer w;

    (void)state;
    for (size_t i = 0; i < N_PAIRS; i++) {
        struct peers p;
        peers_make(&p, &pairs[i], 120);
        size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 1, 1, 40);
        size_t m = wrap(p.c, plain, n, wire);
        uint32_t sent = ctlwrap_last_send_id(p.c);
        buf_writer_init(&w, out, m - 1);
        assert_int_equal(ctlwrap_wrap(p.c, plain, n, &w), CTLWRAP_ERR_NO_ROOM);
        assert_false(buf_writer_ok(&w));
        assert_int_equal(ctlwrap_last_send_id(p.c), sent);
        buf_writer_init(&w, out, n - 1);
        assert_int_equal(ctlwrap_unwrap(p.s, wire, m, 0, &w), CTLWRAP_ERR_NO_ROOM);
        assert_false(buf_writer_ok(&w));
        /* Not recorded: the same packet still goes through. */
        buf_writer_init(&w, out, n);
        assert_int_equal(ctlwrap_unwrap(p.s, wire, m, 0, &w), CTLWRAP_OK);
        assert_int_equal(buf_writer_len(&w), n);
        assert_memory_equal(out, plain, n);
        peers_free(&p);
    }
}

static void test_pid_wrap(void **state)
{
    const struct side c = { CTLWRAP_TLS_CRYPT, CTLWRAP_CLIENT, 0, NULL };
    const struct side s = { CTLWRAP_TLS_CRYPT, CTLWRAP_SERVER, 0, NULL };
    uint8_t key[CTLWRAP_KEY_LEN], plain[PKT_MAX], wire[PKT_MAX];
    struct wire_replay_id rid = { 1, 5 };
    struct buf_writer w;

    (void)state;
    fill(key, sizeof(key), 130);
    struct ctlwrap *x = make_cw(&c, key, NULL, 0, 5), *y = make_cw(&s, key, NULL, 0, 5);
    size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 0, 1, 5);
    ctlwrap_set_send_id(x, UINT32_MAX - 1);
    size_t m = wrap(x, plain, n, wire);
    assert_int_equal(open_rid(y, wire, m).id, UINT32_MAX);
    buf_writer_init(&w, wire, sizeof(wire));
    assert_int_equal(ctlwrap_wrap(x, plain, n, &w), CTLWRAP_ERR_PID_WRAP);
    assert_int_equal(buf_writer_len(&w), 0);
    /* An explicit id neither needs nor moves the counter. */
    assert_int_equal(ctlwrap_wrap_id(x, plain, n, &rid, &w), CTLWRAP_OK);
    assert_int_equal(open_rid(y, wire, buf_writer_len(&w)).id, 1);
    assert_int_equal(ctlwrap_last_send_id(x), UINT32_MAX);
    assert_int_equal(ctlwrap_wrap_id(x, plain, n, NULL, &w), CTLWRAP_ERR_PARAM);
    ctlwrap_free(x);
    ctlwrap_free(y);
}

static void expect_param(struct ctlwrap_params *p)
{
    struct ctlwrap *cw = (struct ctlwrap *)p; /* any non-NULL value */

    assert_int_equal(ctlwrap_new(p, &cw), CTLWRAP_ERR_PARAM);
    assert_null(cw);
}

static void test_params(void **state)
{
    uint8_t key[CTLWRAP_KEY_LEN], wkc[WIRE_WKC_MAX_LEN];
    struct ctlwrap_params p;

    (void)state;
    fill(key, sizeof(key), 140);
    size_t wkc_len = make_wkc(key, wkc);
    ctlwrap_params_init(&p);
    p.mode = CTLWRAP_TLS_AUTH;
    expect_param(&p); /* no key */
    p.key = key;
    p.key_direction = 2;
    expect_param(&p);
    p.key_direction = 0;
    p.digest = "NO-SUCH-DIGEST";
    expect_param(&p);
    p.digest = "none";
    expect_param(&p);
    p.digest = "SHAKE256"; /* an XOF: no HMAC */
    expect_param(&p);
    p.digest = NULL;
    expect_param(&p);
    p.digest = "SHA384";
    p.replay_window = 65537;
    expect_param(&p);
    p.replay_window = 64;
    p.replay_time = 601;
    expect_param(&p);
    p.replay_time = 15;
    p.mode = (enum ctlwrap_mode)9;
    expect_param(&p);
    p.mode = CTLWRAP_TLS_CRYPT_V2;
    p.role = CTLWRAP_CLIENT;
    expect_param(&p); /* no WKc */
    p.wkc = wkc;
    p.wkc_len = wkc_len - 1; /* disagrees with its trailing length */
    expect_param(&p);
    p.wkc_len = WIRE_WKC_MIN_LEN - 1;
    expect_param(&p);
    p.role = (enum ctlwrap_role)5;
    expect_param(&p);
    /* SHA384 tls-auth is fine: 48-byte HMAC, 56 bytes of overhead. */
    struct ctlwrap *cw;
    ctlwrap_params_init(&p);
    p.mode = CTLWRAP_TLS_AUTH;
    p.key = key;
    p.digest = "SHA384";
    assert_int_equal(ctlwrap_new(&p, &cw), CTLWRAP_OK);
    assert_int_equal(ctlwrap_overhead(cw, WIRE_P_CONTROL_V1), 56);
    ctlwrap_free(cw);
    ctlwrap_free(NULL);
}

static void test_overhead(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_PAIRS; i++) {
        struct peers p;
        size_t want;
        peers_make(&p, &pairs[i], 150);
        switch (pairs[i].client.mode) {
        case CTLWRAP_TLS_AUTH:
            want = strcmp(pairs[i].client.digest, "SHA1") == 0     ? 28
                   : strcmp(pairs[i].client.digest, "SHA256") == 0 ? 40
                                                                   : 72;
            break;
        case CTLWRAP_NONE:
            want = 0;
            break;
        default:
            want = 56;
        }
        assert_int_equal(ctlwrap_overhead(p.c, WIRE_P_CONTROL_V1), want);
        assert_int_equal(ctlwrap_overhead(p.s, WIRE_P_CONTROL_V1), want);
        assert_int_equal(ctlwrap_overhead(p.s, WIRE_P_CONTROL_WKC_V1), want);
        assert_int_equal(ctlwrap_overhead(p.c, WIRE_P_CONTROL_WKC_V1), want + p.wkc_len);
        assert_int_equal(ctlwrap_overhead(p.c, WIRE_P_CONTROL_HARD_RESET_CLIENT_V3),
                         want + p.wkc_len);
        assert_int_equal(ctlwrap_mode_of(p.c), pairs[i].client.mode);
        peers_free(&p);
    }
}

/* rekey: new key, fresh window and counter, no new contexts needed. */
static void test_rekey(void **state)
{
    const struct side v2c = { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_CLIENT, 0, NULL };
    const struct side v2s = { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_SERVER, 0, NULL };
    uint8_t k1[CTLWRAP_KEY_LEN], k2[CTLWRAP_KEY_LEN], wkc[WIRE_WKC_MAX_LEN];
    uint8_t plain[PKT_MAX], wire[PKT_MAX];

    (void)state;
    fill(k1, sizeof(k1), 160);
    fill(k2, sizeof(k2), 161);
    size_t wkc_len = make_wkc(k2, wkc);
    struct ctlwrap *s = make_cw(&v2s, k1, NULL, 0, 1), *c = make_cw(&v2c, k2, wkc, wkc_len, 1);
    size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_HARD_RESET_CLIENT_V3, 0, 0, 0);
    size_t m = wrap(c, plain, n, wire);
    expect_drop(s, wire, m, CTLWRAP_ERR_AUTH);
    assert_int_equal(ctlwrap_rekey(s, k2), CTLWRAP_OK);
    expect_unwrap(s, wire, m, plain, n);
    expect_drop(s, wire, m, CTLWRAP_ERR_REPLAY);
    assert_int_equal(ctlwrap_rekey(s, k2), CTLWRAP_OK); /* empties the window */
    expect_unwrap(s, wire, m, plain, n);
    assert_int_equal(ctlwrap_rekey(c, k2), CTLWRAP_OK);
    m = wrap(c, plain, n, wire);
    assert_int_equal(open_rid(s, wire, m).id, 0x0F000001u);
    assert_int_equal(ctlwrap_rekey(s, NULL), CTLWRAP_ERR_PARAM);
    ctlwrap_free(s);
    ctlwrap_free(c);
}

/* replay_commit() after a stateless open: the window of the new session takes the id. */
static void test_open_then_commit(void **state)
{
    uint8_t plain[PKT_MAX], wire[PKT_MAX];

    (void)state;
    struct peers p;
    peers_make(&p, &pairs[5], 170);
    size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 1, 1, 5);
    size_t m = wrap(p.c, plain, n, wire);
    struct wire_replay_id rid = open_rid(p.s, wire, m);
    assert_int_equal(ctlwrap_replay_commit(p.s, &rid, 0), CTLWRAP_OK);
    assert_int_equal(ctlwrap_replay_commit(p.s, &rid, 0), CTLWRAP_ERR_REPLAY);
    expect_drop(p.s, wire, m, CTLWRAP_ERR_REPLAY);
    rid.id = 0;
    assert_int_equal(ctlwrap_replay_commit(p.s, &rid, 0), CTLWRAP_ERR_REPLAY);
    peers_free(&p);
}

/* ---- WKc ---- */

struct v2_fixture {
    struct ctlwrap_v2_server *srv;
    uint8_t kc[CTLWRAP_KEY_LEN];
};

static void v2_fixture(struct v2_fixture *f, uint32_t seed)
{
    uint8_t skey[CTLWRAP_V2_SERVER_KEY_LEN];

    fill(skey, sizeof(skey), seed);
    fill(f->kc, sizeof(f->kc), seed + 1);
    assert_int_equal(ctlwrap_v2_server_new(skey, &f->srv), CTLWRAP_OK);
}

static size_t wkc_of(struct v2_fixture *f, const struct ctlwrap_metadata *md, uint8_t *wkc)
{
    struct buf_writer w;

    buf_writer_init(&w, wkc, WIRE_WKC_MAX_LEN + 16);
    assert_int_equal(ctlwrap_wkc_wrap(f->srv, f->kc, md, &w), CTLWRAP_OK);
    assert_int_equal(buf_writer_len(&w), ctlwrap_wkc_len(md));
    return buf_writer_len(&w);
}

static void expect_wkc_ok(struct v2_fixture *f, const uint8_t *wkc, size_t len,
                          const struct ctlwrap_metadata *want)
{
    uint8_t kc[CTLWRAP_KEY_LEN];
    struct ctlwrap_metadata md;

    assert_int_equal(ctlwrap_wkc_unwrap(f->srv, wkc, len, kc, &md), CTLWRAP_OK);
    assert_memory_equal(kc, f->kc, CTLWRAP_KEY_LEN);
    assert_int_equal(md.len, want->len);
    assert_memory_equal(md.data, want->data, want->len);
}

static void expect_wkc_bad(struct v2_fixture *f, const uint8_t *wkc, size_t len, int why)
{
    uint8_t kc[CTLWRAP_KEY_LEN];
    struct ctlwrap_metadata md;
    static const uint8_t zero[CTLWRAP_KEY_LEN];

    memset(kc, 0xa5, sizeof(kc));
    md.len = 99;
    assert_int_equal(ctlwrap_wkc_unwrap(f->srv, wkc, len, kc, &md), why);
    assert_memory_equal(kc, zero, sizeof(kc)); /* wiped */
    assert_int_equal(md.len, 0);
}

static void test_wkc_round_trip(void **state)
{
    uint8_t wkc[WIRE_WKC_MAX_LEN + 16], user[CTLWRAP_MD_MAX_LEN];
    struct ctlwrap_metadata md;
    struct v2_fixture f;
    int64_t t = 0;

    (void)state;
    v2_fixture(&f, 200);
    ctlwrap_metadata_set_timestamp(&md, 0x6b033a86);
    size_t n = wkc_of(&f, &md, wkc);
    assert_int_equal(n, 299); /* [W] default metadata: WKc = 299 bytes */
    expect_wkc_ok(&f, wkc, n, &md);
    assert_int_equal(ctlwrap_metadata_type(&md), CTLWRAP_MD_TIMESTAMP);
    assert_true(ctlwrap_metadata_get_timestamp(&md, &t));
    assert_int_equal(t, 0x6b033a86);
    /* Deterministic. */
    uint8_t again[WIRE_WKC_MAX_LEN + 16];
    assert_int_equal(wkc_of(&f, &md, again), n);
    assert_memory_equal(again, wkc, n);

    assert_int_equal(ctlwrap_metadata_set_user(&md, (const uint8_t *)"hello", 5), CTLWRAP_OK);
    n = wkc_of(&f, &md, wkc);
    assert_int_equal(n, 296);
    expect_wkc_ok(&f, wkc, n, &md);
    assert_int_equal(ctlwrap_metadata_type(&md), CTLWRAP_MD_USER);
    assert_false(ctlwrap_metadata_get_timestamp(&md, &t));

    md.len = 0; /* no metadata at all: the smallest WKc */
    n = wkc_of(&f, &md, wkc);
    assert_int_equal(n, WIRE_WKC_MIN_LEN);
    expect_wkc_ok(&f, wkc, n, &md);
    assert_int_equal(ctlwrap_metadata_type(&md), -1);

    fill(user, sizeof(user), 3);
    assert_int_equal(ctlwrap_metadata_set_user(&md, user, CTLWRAP_MD_MAX_LEN - 1), CTLWRAP_OK);
    n = wkc_of(&f, &md, wkc);
    assert_int_equal(n, WIRE_WKC_MAX_LEN);
    expect_wkc_ok(&f, wkc, n, &md);
    ctlwrap_v2_server_free(f.srv);
}

static void test_wkc_bad(void **state)
{
    uint8_t wkc[WIRE_WKC_MAX_LEN + 16], big[WIRE_WKC_MAX_LEN + 16];
    struct ctlwrap_metadata md;
    struct v2_fixture f, other;
    struct buf_writer w;

    (void)state;
    v2_fixture(&f, 210);
    v2_fixture(&other, 220);
    assert_int_equal(ctlwrap_metadata_set_user(&md, (const uint8_t *)"meta", 4), CTLWRAP_OK);
    size_t n = wkc_of(&f, &md, wkc);
    /* Every single-bit change is caught, by the tag or by the length check. */
    for (size_t i = 0; i < n * 8; i++) {
        wkc[i / 8] ^= (uint8_t)(1u << (i % 8));
        expect_wkc_bad(&f, wkc, n, i / 8 >= n - 2 ? CTLWRAP_ERR_WKC_LEN : CTLWRAP_ERR_WKC_AUTH);
        wkc[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    expect_wkc_ok(&f, wkc, n, &md);
    expect_wkc_bad(&other, wkc, n, CTLWRAP_ERR_WKC_AUTH); /* another server's key */
    /* Length field and actual length disagree. */
    expect_wkc_bad(&f, wkc, n - 1, CTLWRAP_ERR_WKC_LEN);
    memcpy(big, wkc, n);
    big[n] = 0;
    expect_wkc_bad(&f, big, n + 1, CTLWRAP_ERR_WKC_LEN);
    for (size_t len = 0; len < WIRE_WKC_MIN_LEN; len++)
        expect_wkc_bad(&f, wkc, len, CTLWRAP_ERR_WKC_LEN);
    expect_wkc_bad(&f, NULL, 0, CTLWRAP_ERR_WKC_LEN);
    /* A consistent length field above 1024 is still refused. */
    fill(big, sizeof(big), 9);
    big[WIRE_WKC_MAX_LEN - 1] = 0x04; /* 0x0401 = 1025 */
    big[WIRE_WKC_MAX_LEN] = 0x01;
    expect_wkc_bad(&f, big, WIRE_WKC_MAX_LEN + 1, CTLWRAP_ERR_WKC_LEN);
    /* Metadata too long to wrap, and no Kc. */
    md.len = CTLWRAP_MD_MAX_LEN + 1;
    buf_writer_init(&w, big, sizeof(big));
    assert_int_equal(ctlwrap_wkc_wrap(f.srv, f.kc, &md, &w), CTLWRAP_ERR_PARAM);
    md.len = 0;
    assert_int_equal(ctlwrap_wkc_wrap(f.srv, NULL, &md, &w), CTLWRAP_ERR_PARAM);
    buf_writer_init(&w, big, WIRE_WKC_MIN_LEN - 1);
    assert_int_equal(ctlwrap_wkc_wrap(f.srv, f.kc, &md, &w), CTLWRAP_ERR_NO_ROOM);
    ctlwrap_v2_server_free(other.srv);
    assert_int_equal(ctlwrap_v2_server_new(NULL, &other.srv), CTLWRAP_ERR_PARAM);
    assert_null(other.srv);
    ctlwrap_v2_server_free(f.srv);
    ctlwrap_v2_server_free(NULL);
}

static void test_metadata(void **state)
{
    uint8_t user[CTLWRAP_MD_MAX_LEN];
    struct ctlwrap_metadata md;
    int64_t t;

    (void)state;
    ctlwrap_metadata_set_timestamp(&md, -1);
    assert_int_equal(md.len, 9);
    assert_true(ctlwrap_metadata_get_timestamp(&md, &t));
    assert_int_equal(t, -1);
    md.len = 10;
    assert_false(ctlwrap_metadata_get_timestamp(&md, &t));
    fill(user, sizeof(user), 4);
    assert_int_equal(ctlwrap_metadata_set_user(&md, user, CTLWRAP_MD_MAX_LEN), CTLWRAP_ERR_PARAM);
    assert_int_equal(md.len, 0);
    assert_int_equal(ctlwrap_metadata_set_user(&md, NULL, 1), CTLWRAP_ERR_PARAM);
    assert_int_equal(ctlwrap_metadata_set_user(&md, NULL, 0), CTLWRAP_OK);
    assert_int_equal(md.len, 1);
    assert_int_equal(ctlwrap_metadata_set_user_base64(&md, "aGVsbG8gd29ybGQ=", 16), CTLWRAP_OK);
    assert_int_equal(md.len, 12);
    assert_memory_equal(md.data, "\0hello world", 12);
    assert_int_equal(ctlwrap_metadata_set_user_base64(&md, "aGVsbG8*", 8), CTLWRAP_ERR_PARAM);
    assert_int_equal(md.len, 0);
    assert_int_equal(ctlwrap_metadata_set_user_base64(&md, "aGVsbG8", 7), CTLWRAP_ERR_PARAM);
    /* 734 user bytes is one too many once the type byte is added. */
    char b64[1100];
    size_t b64_len = 0;
    assert_int_equal(pem_write_block("X", user, CTLWRAP_MD_MAX_LEN, b64, sizeof(b64), &b64_len), 0);
    struct pem_view body;
    assert_int_equal(pem_find_block(b64, b64_len, "X", &body, NULL), 0);
    assert_int_equal(ctlwrap_metadata_set_user_base64(&md, body.data, body.len), CTLWRAP_ERR_PARAM);
}

/* ---- key files, interop with keys made by openvpn 2.6.14 ---- */

static void test_real_v2_client_key(void **state)
{
    uint8_t skey[CTLWRAP_V2_SERVER_KEY_LEN], kc[CTLWRAP_KEY_LEN], wkc[WIRE_WKC_MAX_LEN];
    uint8_t kc2[CTLWRAP_KEY_LEN];
    struct ctlwrap_v2_server *srv;
    struct ctlwrap_metadata md;
    struct pem_error err;
    size_t wkc_len = 0;
    int64_t t = 0;

    (void)state;
    assert_int_equal(
        ctlwrap_v2_server_key_decode(real_v2_server_key, strlen(real_v2_server_key), skey, &err),
        CTLWRAP_OK);
    assert_int_equal(ctlwrap_v2_client_key_decode(real_v2_client_key, strlen(real_v2_client_key),
                                                  kc, wkc, &wkc_len, &err),
                     CTLWRAP_OK);
    assert_int_equal(wkc_len, 299);
    assert_memory_equal(kc, real_kc, sizeof(real_kc));
    assert_int_equal(ctlwrap_v2_server_new(skey, &srv), CTLWRAP_OK);
    /* The server side: from the WKc alone back to the client's Kc and metadata. */
    assert_int_equal(ctlwrap_wkc_unwrap(srv, wkc, wkc_len, kc2, &md), CTLWRAP_OK);
    assert_memory_equal(kc2, real_kc, sizeof(real_kc));
    assert_int_equal(ctlwrap_metadata_type(&md), CTLWRAP_MD_TIMESTAMP);
    assert_true(ctlwrap_metadata_get_timestamp(&md, &t));
    assert_int_equal(t, REAL_C_TIMESTAMP);
    /* And forward again: the same file, byte for byte. */
    char text[CTLWRAP_GENKEY_TEXT_MAX];
    size_t len = 0;
    assert_int_equal(ctlwrap_genkey_v2_client(srv, kc, &md, text, sizeof(text), &len), CTLWRAP_OK);
    assert_int_equal(len, strlen(real_v2_client_key));
    assert_string_equal(text, real_v2_client_key);
    ctlwrap_v2_server_free(srv);
}

static void test_real_v2_user_metadata(void **state)
{
    uint8_t skey[CTLWRAP_V2_SERVER_KEY_LEN], kc[CTLWRAP_KEY_LEN], wkc[WIRE_WKC_MAX_LEN];
    uint8_t kc2[CTLWRAP_KEY_LEN];
    struct ctlwrap_v2_server *srv;
    struct ctlwrap_metadata md, md2;
    size_t wkc_len = 0, len = 0;
    char text[CTLWRAP_GENKEY_TEXT_MAX];

    (void)state;
    assert_int_equal(
        ctlwrap_v2_server_key_decode(real_v2_server_key, strlen(real_v2_server_key), skey, NULL),
        CTLWRAP_OK);
    assert_int_equal(ctlwrap_v2_client_key_decode(real_v2_client_key_user,
                                                  strlen(real_v2_client_key_user), kc, wkc,
                                                  &wkc_len, NULL),
                     CTLWRAP_OK);
    assert_int_equal(wkc_len, 302);
    assert_int_equal(ctlwrap_v2_server_new(skey, &srv), CTLWRAP_OK);
    assert_int_equal(ctlwrap_wkc_unwrap(srv, wkc, wkc_len, kc2, &md), CTLWRAP_OK);
    assert_memory_equal(kc2, kc, sizeof(kc));
    assert_int_equal(ctlwrap_metadata_type(&md), CTLWRAP_MD_USER);
    assert_int_equal(md.len, 12);
    assert_memory_equal(md.data + 1, "hello world", 11);
    /* `--genkey tls-crypt-v2-client cu aGVsbG8gd29ybGQ=` with the same Kc. */
    assert_int_equal(ctlwrap_metadata_set_user_base64(&md2, "aGVsbG8gd29ybGQ=", 16), CTLWRAP_OK);
    assert_int_equal(ctlwrap_genkey_v2_client(srv, kc, &md2, text, sizeof(text), &len), CTLWRAP_OK);
    assert_string_equal(text, real_v2_client_key_user);
    /* The other client's key does not open with a different server key. */
    uint8_t skey2[CTLWRAP_V2_SERVER_KEY_LEN];
    struct ctlwrap_v2_server *srv2;
    memcpy(skey2, skey, sizeof(skey2));
    skey2[70] ^= 1;
    assert_int_equal(ctlwrap_v2_server_new(skey2, &srv2), CTLWRAP_OK);
    assert_int_equal(ctlwrap_wkc_unwrap(srv2, wkc, wkc_len, kc2, &md), CTLWRAP_ERR_WKC_AUTH);
    ctlwrap_v2_server_free(srv2);
    ctlwrap_v2_server_free(srv);
}

static void test_genkey_reproduces_real_files(void **state)
{
    uint8_t key[PEM_STATIC_KEY_LEN], skey[CTLWRAP_V2_SERVER_KEY_LEN];
    char text[CTLWRAP_GENKEY_TEXT_MAX];
    size_t len = 0;

    (void)state;
    assert_int_equal(pem_static_key_parse(real_static_key, strlen(real_static_key), key, NULL), 0);
    assert_int_equal(ctlwrap_genkey_static(key, text, sizeof(text), &len), CTLWRAP_OK);
    assert_string_equal(text, real_static_key);
    assert_int_equal(len, strlen(real_static_key));
    assert_int_equal(
        ctlwrap_v2_server_key_decode(real_v2_server_key, strlen(real_v2_server_key), skey, NULL),
        CTLWRAP_OK);
    assert_int_equal(ctlwrap_genkey_v2_server(skey, text, sizeof(text), &len), CTLWRAP_OK);
    assert_string_equal(text, real_v2_server_key);
    /* Too small an output: nothing but "". */
    assert_int_equal(ctlwrap_genkey_static(key, text, 100, &len), CTLWRAP_ERR_NO_ROOM);
    assert_string_equal(text, "");
    assert_int_equal(ctlwrap_genkey_v2_server(skey, text, 100, &len), CTLWRAP_ERR_NO_ROOM);
    assert_string_equal(text, "");
    assert_int_equal(ctlwrap_genkey_static(NULL, text, sizeof(text), &len), CTLWRAP_ERR_PARAM);
    assert_int_equal(ctlwrap_genkey_v2_server(NULL, text, sizeof(text), &len), CTLWRAP_ERR_PARAM);
}

/* The real static key drives a tls-auth and a tls-crypt session as well. */
static void test_real_static_key_sessions(void **state)
{
    uint8_t key[PEM_STATIC_KEY_LEN], plain[PKT_MAX];

    (void)state;
    assert_int_equal(pem_static_key_parse(real_static_key, strlen(real_static_key), key, NULL), 0);
    for (size_t i = 1; i < N_PAIRS - 1; i++) {
        struct ctlwrap *c = make_cw(&pairs[i].client, key, NULL, 0, 3);
        struct ctlwrap *s = make_cw(&pairs[i].server, key, NULL, 0, 3);
        size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 1, 1, 100);
        round_trip(c, s, plain, n, wire_extra(c, &pairs[i].client, WIRE_P_CONTROL_V1, 0));
        round_trip(s, c, plain, n, wire_extra(s, &pairs[i].server, WIRE_P_CONTROL_V1, 0));
        ctlwrap_free(c);
        ctlwrap_free(s);
    }
}

static void test_key_decode_errors(void **state)
{
    static const char no_end[] = "-----BEGIN OpenVPN tls-crypt-v2 server key-----\nAAAA\n";
    static const char short_key[] = "-----BEGIN OpenVPN tls-crypt-v2 server key-----\n"
                                    "AAAA\n"
                                    "-----END OpenVPN tls-crypt-v2 server key-----\n";
    uint8_t skey[CTLWRAP_V2_SERVER_KEY_LEN], kc[CTLWRAP_KEY_LEN], wkc[WIRE_WKC_MAX_LEN];
    uint8_t data[CTLWRAP_KEY_LEN + WIRE_WKC_MAX_LEN + 8];
    char text[4096];
    struct pem_error err;
    size_t wkc_len = 5, len;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(ctlwrap_v2_server_key_decode(no_end, strlen(no_end), skey, &err),
                     CTLWRAP_ERR_KEY_FILE);
    assert_int_equal(err.code, PEM_ERR_NO_END);
    assert_int_equal(ctlwrap_v2_server_key_decode(short_key, strlen(short_key), skey, &err),
                     CTLWRAP_ERR_KEY_LEN);
    /* A client key given as the server key: wrong label. */
    assert_int_equal(
        ctlwrap_v2_server_key_decode(real_v2_client_key, strlen(real_v2_client_key), skey, &err),
        CTLWRAP_ERR_KEY_FILE);
    assert_int_equal(err.code, PEM_ERR_NO_BEGIN);
    /* 129 bytes. */
    fill(data, sizeof(data), 1);
    assert_int_equal(pem_write_block(PEM_TLS_CRYPT_V2_SERVER, data, 129, text, sizeof(text), &len),
                     0);
    assert_int_equal(ctlwrap_v2_server_key_decode(text, len, skey, NULL), CTLWRAP_ERR_KEY_LEN);

    /* Client keys: too short, too long, a WKc whose length field lies. */
    size_t sizes[] = { CTLWRAP_KEY_LEN + WIRE_WKC_MIN_LEN - 1,
                       CTLWRAP_KEY_LEN + WIRE_WKC_MAX_LEN + 1 };
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(
            pem_write_block(PEM_TLS_CRYPT_V2_CLIENT, data, sizes[i], text, sizeof(text), &len), 0);
        assert_int_equal(ctlwrap_v2_client_key_decode(text, len, kc, wkc, &wkc_len, NULL),
                         CTLWRAP_ERR_KEY_LEN);
        assert_int_equal(wkc_len, 0);
    }
    size_t n = CTLWRAP_KEY_LEN + 300;
    data[n - 2] = 0x01;
    data[n - 1] = 0x2b; /* 299, but the WKc is 300 bytes */
    assert_int_equal(pem_write_block(PEM_TLS_CRYPT_V2_CLIENT, data, n, text, sizeof(text), &len),
                     0);
    assert_int_equal(ctlwrap_v2_client_key_decode(text, len, kc, wkc, &wkc_len, NULL),
                     CTLWRAP_ERR_WKC_LEN);
    data[n - 1] = 0x2c; /* 300: framing is fine (authenticity is the server's business) */
    assert_int_equal(pem_write_block(PEM_TLS_CRYPT_V2_CLIENT, data, n, text, sizeof(text), &len),
                     0);
    assert_int_equal(ctlwrap_v2_client_key_decode(text, len, kc, wkc, &wkc_len, NULL), CTLWRAP_OK);
    assert_int_equal(wkc_len, 300);
    assert_memory_equal(kc, data, CTLWRAP_KEY_LEN);
    assert_memory_equal(wkc, data + CTLWRAP_KEY_LEN, 300);
    assert_int_equal(ctlwrap_v2_client_key_decode("junk", 4, kc, wkc, &wkc_len, &err),
                     CTLWRAP_ERR_KEY_FILE);
}

/* ---- a whole tls-crypt-v2 start, stateless server side (§5.4, §6.1) ---- */

static void test_v2_stateless_start(void **state)
{
    const struct side v2c = { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_CLIENT, 0, NULL };
    const struct side v2s = { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_SERVER, 0, NULL };
    uint8_t kc[CTLWRAP_KEY_LEN], wkc[WIRE_WKC_MAX_LEN], got_kc[CTLWRAP_KEY_LEN];
    uint8_t plain[PKT_MAX], wire[PKT_MAX], out[PKT_MAX], scratch_key[CTLWRAP_KEY_LEN];
    struct ctlwrap_metadata md;
    struct wire_wkc_split split;
    struct wire_replay_id rid;
    struct buf_writer w;
    struct v2_fixture f;

    (void)state;
    v2_fixture(&f, 300);
    memcpy(kc, f.kc, sizeof(kc));
    ctlwrap_metadata_set_timestamp(&md, 1700000000);
    size_t wkc_len = wkc_of(&f, &md, wkc);
    struct ctlwrap *client = make_cw(&v2c, kc, wkc, wkc_len, 1000);
    fill(scratch_key, sizeof(scratch_key), 301);
    struct ctlwrap *scratch = make_cw(&v2s, scratch_key, NULL, 0, 2000);

    /* 1. Client reset V3 -> server: WKc gives Kc, the packet opens, marker present. */
    size_t n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_HARD_RESET_CLIENT_V3, 0, 0, 0);
    size_t m = wrap(client, plain, n, wire);
    assert_int_equal(wire_wkc_split(wire, m, &split), WIRE_OK);
    assert_int_equal(ctlwrap_wkc_unwrap(f.srv, split.wkc, split.wkc_len, got_kc, &md), CTLWRAP_OK);
    assert_memory_equal(got_kc, kc, sizeof(kc));
    assert_int_equal(ctlwrap_rekey(scratch, got_kc), CTLWRAP_OK);
    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(ctlwrap_open(scratch, wire, m, &w, &rid), CTLWRAP_OK);
    assert_int_equal(buf_writer_len(&w), n);
    assert_memory_equal(out, plain, n);
    assert_true(wire_replay_id_has_early_neg(rid.id));

    /* 2. Stateless reply with replay id 1 and RESEND_WKC; the client takes it. */
    n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_HARD_RESET_SERVER_V2, 1, 0, 6);
    struct wire_replay_id one = { 1, 2000 };
    buf_writer_init(&w, wire, sizeof(wire));
    assert_int_equal(ctlwrap_wrap_id(scratch, plain, n, &one, &w), CTLWRAP_OK);
    expect_unwrap(client, wire, buf_writer_len(&w), plain, n);

    /* 3. Client WKC_V1 -> server: same path, then the session's own wrapper takes over. */
    n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_WKC_V1, 1, 1, 300);
    m = wrap(client, plain, n, wire);
    assert_int_equal(wire_wkc_split(wire, m, &split), WIRE_OK);
    assert_int_equal(ctlwrap_wkc_unwrap(f.srv, split.wkc, split.wkc_len, got_kc, &md), CTLWRAP_OK);
    assert_int_equal(ctlwrap_rekey(scratch, got_kc), CTLWRAP_OK);
    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(ctlwrap_open(scratch, wire, m, &w, &rid), CTLWRAP_OK);
    assert_int_equal(rid.id, 0x0F000002u);
    struct ctlwrap *session = make_cw(&v2s, got_kc, NULL, 0, 2001);
    assert_int_equal(ctlwrap_replay_commit(session, &rid, 0), CTLWRAP_OK);
    ctlwrap_set_send_id(session, 1);
    /* A retransmission of that packet is now a replay for the session. */
    expect_drop(session, wire, m, CTLWRAP_ERR_REPLAY);

    /* 4. The session runs: ids 2.. from the server, 0x0F000003.. from the client. */
    n = build_plain(plain, sizeof(plain), WIRE_P_CONTROL_V1, 1, 1, 1000);
    m = wrap(session, plain, n, wire);
    assert_int_equal(open_rid(client, wire, m).id, 2);
    expect_unwrap(client, wire, m, plain, n);
    m = wrap(client, plain, n, wire);
    expect_unwrap(session, wire, m, plain, n);
    ctlwrap_free(client);
    ctlwrap_free(scratch);
    ctlwrap_free(session);
    ctlwrap_v2_server_free(f.srv);
}

/* ---- first packets of a real openvpn 2.6.14 client, captured on 127.0.0.1 ---- */

/*
 * Unwraps a captured client reset with our server side, checks it is `op | sid | 00 | 00000000`
 * and that our client side, given the same replay id, produces the identical bytes.
 */
static void check_real_reset(struct ctlwrap *server, struct ctlwrap *client, const uint8_t *pkt,
                             size_t len, uint32_t want_id)
{
    uint8_t want[14] = { 0 }, out[PKT_MAX];
    struct wire_replay_id rid;
    struct buf_writer w;

    memcpy(want, pkt, WIRE_CONTROL_HEAD_LEN);
    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(ctlwrap_open(server, pkt, len, &w, &rid), CTLWRAP_OK);
    assert_int_equal(buf_writer_len(&w), sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
    assert_int_equal(rid.id, want_id);
    expect_unwrap(server, pkt, len, want, sizeof(want));
    expect_drop(server, pkt, len, CTLWRAP_ERR_REPLAY);
    buf_writer_init(&w, out, sizeof(out));
    assert_int_equal(ctlwrap_wrap_id(client, want, sizeof(want), &rid, &w), CTLWRAP_OK);
    assert_int_equal(buf_writer_len(&w), len);
    assert_memory_equal(out, pkt, len);
}

static void test_real_tls_auth_and_crypt_resets(void **state)
{
    const struct side ta_s = { CTLWRAP_TLS_AUTH, CTLWRAP_SERVER, 0, "SHA256" };
    const struct side ta_c = { CTLWRAP_TLS_AUTH, CTLWRAP_CLIENT, 1, "SHA256" };
    const struct side tc_s = { CTLWRAP_TLS_CRYPT, CTLWRAP_SERVER, 0, NULL };
    const struct side tc_c = { CTLWRAP_TLS_CRYPT, CTLWRAP_CLIENT, 0, NULL };
    uint8_t key[PEM_STATIC_KEY_LEN];

    (void)state;
    assert_int_equal(pem_static_key_parse(real_static_key, strlen(real_static_key), key, NULL), 0);
    struct ctlwrap *s = make_cw(&ta_s, key, NULL, 0, 0), *c = make_cw(&ta_c, key, NULL, 0, 0);
    check_real_reset(s, c, real_tls_auth_reset, sizeof(real_tls_auth_reset), 1);
    ctlwrap_free(s);
    ctlwrap_free(c);
    s = make_cw(&tc_s, key, NULL, 0, 0);
    c = make_cw(&tc_c, key, NULL, 0, 0);
    check_real_reset(s, c, real_tls_crypt_reset, sizeof(real_tls_crypt_reset), 1);
    ctlwrap_free(s);
    ctlwrap_free(c);
}

static void check_real_v3(const char *client_file, const uint8_t *pkt, size_t len, int md_type)
{
    const struct side v2s = { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_SERVER, 0, NULL };
    const struct side v2c = { CTLWRAP_TLS_CRYPT_V2, CTLWRAP_CLIENT, 0, NULL };
    uint8_t skey[CTLWRAP_V2_SERVER_KEY_LEN], kc[CTLWRAP_KEY_LEN], file_kc[CTLWRAP_KEY_LEN];
    uint8_t file_wkc[WIRE_WKC_MAX_LEN];
    struct ctlwrap_v2_server *srv;
    struct ctlwrap_metadata md;
    struct wire_wkc_split split;
    size_t file_wkc_len;

    assert_int_equal(
        ctlwrap_v2_server_key_decode(real_v2_server_key, strlen(real_v2_server_key), skey, NULL),
        CTLWRAP_OK);
    assert_int_equal(ctlwrap_v2_client_key_decode(client_file, strlen(client_file), file_kc,
                                                  file_wkc, &file_wkc_len, NULL),
                     CTLWRAP_OK);
    assert_int_equal(ctlwrap_v2_server_new(skey, &srv), CTLWRAP_OK);
    assert_int_equal(wire_wkc_split(pkt, len, &split), WIRE_OK);
    assert_int_equal(split.wkc_len, file_wkc_len);
    assert_int_equal(ctlwrap_wkc_unwrap(srv, split.wkc, split.wkc_len, kc, &md), CTLWRAP_OK);
    assert_memory_equal(kc, file_kc, sizeof(kc));
    assert_int_equal(ctlwrap_metadata_type(&md), md_type);
    struct ctlwrap *s = make_cw(&v2s, kc, NULL, 0, 0);
    struct ctlwrap *c = make_cw(&v2c, file_kc, file_wkc, file_wkc_len, 0);
    check_real_reset(s, c, pkt, len, 0x0F000001u); /* 2.6: early-negotiation marker */
    ctlwrap_free(s);
    ctlwrap_free(c);
    ctlwrap_v2_server_free(srv);
}

static void test_real_v3_resets(void **state)
{
    (void)state;
    check_real_v3(real_v2_client_key, real_v3_reset, sizeof(real_v3_reset), CTLWRAP_MD_TIMESTAMP);
    check_real_v3(real_v2_client_key_user, real_v3_reset_user, sizeof(real_v3_reset_user),
                  CTLWRAP_MD_USER);
}

/* ---- stateless cookie ---- */

static void test_cookie(void **state)
{
    static const uint8_t addr[] = { 0x02, 0x04, 0xaa, 0x0a, 0x00, 0x00, 0x01 };
    static const uint8_t addr2[] = { 0x02, 0x04, 0xaa, 0x0a, 0x00, 0x00, 0x02 };
    uint8_t secret[CTLWRAP_COOKIE_SECRET_LEN], secret2[CTLWRAP_COOKIE_SECRET_LEN];
    struct ctlwrap_cookie *c, *same, *other;
    struct wire_sid ss, ss2, again;
    const uint64_t t0 = 1000000u * 1000u; /* 30 s slots: t0 starts slot 33333.33.. */
    const uint64_t slot_start = (t0 / 30000u) * 30000u;

    (void)state;
    fill(secret, sizeof(secret), 400);
    fill(secret2, sizeof(secret2), 401);
    assert_int_equal(ctlwrap_cookie_new(secret, 60, &c), CTLWRAP_OK);
    assert_int_equal(ctlwrap_cookie_new(secret, 60, &same), CTLWRAP_OK);
    assert_int_equal(ctlwrap_cookie_new(secret2, 60, &other), CTLWRAP_OK);
    assert_int_equal(ctlwrap_cookie_make(c, addr, sizeof(addr), &sid_a, t0, &ss), CTLWRAP_OK);
    assert_false(wire_sid_is_zero(&ss));
    /* Stateless: another instance with the same secret agrees; the same slot gives the same id. */
    assert_int_equal(
        ctlwrap_cookie_make(same, addr, sizeof(addr), &sid_a, slot_start + 29999, &again),
        CTLWRAP_OK);
    assert_memory_equal(again.bytes, ss.bytes, WIRE_SID_LEN);
    assert_int_equal(ctlwrap_cookie_make(c, addr, sizeof(addr), &sid_a, slot_start + 30000, &ss2),
                     CTLWRAP_OK);
    assert_memory_not_equal(ss2.bytes, ss.bytes, WIRE_SID_LEN);
    /* Accepted in its slot and the two after it, not later, not earlier. */
    assert_true(ctlwrap_cookie_check(c, addr, sizeof(addr), &sid_a, &ss, t0));
    assert_true(ctlwrap_cookie_check(c, addr, sizeof(addr), &sid_a, &ss, slot_start + 60000));
    assert_true(ctlwrap_cookie_check(c, addr, sizeof(addr), &sid_a, &ss, slot_start + 89999));
    assert_false(ctlwrap_cookie_check(c, addr, sizeof(addr), &sid_a, &ss, slot_start + 90000));
    assert_false(ctlwrap_cookie_check(c, addr, sizeof(addr), &sid_a, &ss, slot_start - 1));
    /* Bound to the address, the client's session id and the secret. */
    assert_false(ctlwrap_cookie_check(c, addr2, sizeof(addr2), &sid_a, &ss, t0));
    assert_false(ctlwrap_cookie_check(c, addr, sizeof(addr) - 1, &sid_a, &ss, t0));
    assert_false(ctlwrap_cookie_check(c, addr, sizeof(addr), &sid_b, &ss, t0));
    assert_false(ctlwrap_cookie_check(other, addr, sizeof(addr), &sid_a, &ss, t0));
    assert_false(ctlwrap_cookie_check(c, NULL, 4, &sid_a, &ss, t0));
    /* Right after boot (slot 0) there are no past slots to try. */
    assert_int_equal(ctlwrap_cookie_make(c, addr, sizeof(addr), &sid_a, 0, &ss), CTLWRAP_OK);
    assert_true(ctlwrap_cookie_check(c, addr, sizeof(addr), &sid_a, &ss, 1));
    assert_int_equal(ctlwrap_cookie_make(c, NULL, 3, &sid_a, 0, &ss), CTLWRAP_ERR_PARAM);
    ctlwrap_cookie_free(other);
    assert_int_equal(ctlwrap_cookie_new(NULL, 60, &other), CTLWRAP_ERR_PARAM);
    assert_null(other);
    ctlwrap_cookie_free(c);
    ctlwrap_cookie_free(same);
    ctlwrap_cookie_free(NULL);
    /* hand-window 0 or 1: one-second slots. */
    assert_int_equal(ctlwrap_cookie_new(secret, 0, &c), CTLWRAP_OK);
    assert_int_equal(ctlwrap_cookie_make(c, addr, sizeof(addr), &sid_a, 5000, &ss), CTLWRAP_OK);
    assert_true(ctlwrap_cookie_check(c, addr, sizeof(addr), &sid_a, &ss, 7999));
    assert_false(ctlwrap_cookie_check(c, addr, sizeof(addr), &sid_a, &ss, 8000));
    ctlwrap_cookie_free(c);
}

static void test_strerror(void **state)
{
    (void)state;
    for (int e = 0; e > -CTLWRAP_REASONS; e--)
        assert_string_not_equal(ctlwrap_strerror(e), "unknown error");
    assert_string_equal(ctlwrap_strerror(-CTLWRAP_REASONS), "unknown error");
    assert_string_equal(ctlwrap_strerror(1), "unknown error");
    assert_string_equal(ctlwrap_strerror(CTLWRAP_ERR_AUTH), "packet authentication failed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_auth_vector),
        cmocka_unit_test(test_tls_crypt_vector),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_send_ids),
        cmocka_unit_test(test_none_mode),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_bit_flips_v2_reset),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_direction_mismatch),
        cmocka_unit_test(test_opcodes),
        cmocka_unit_test(test_v2_trailer_framing),
        cmocka_unit_test(test_no_room),
        cmocka_unit_test(test_pid_wrap),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_overhead),
        cmocka_unit_test(test_rekey),
        cmocka_unit_test(test_open_then_commit),
        cmocka_unit_test(test_wkc_round_trip),
        cmocka_unit_test(test_wkc_bad),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_real_v2_client_key),
        cmocka_unit_test(test_real_v2_user_metadata),
        cmocka_unit_test(test_genkey_reproduces_real_files),
        cmocka_unit_test(test_real_static_key_sessions),
        cmocka_unit_test(test_key_decode_errors),
        cmocka_unit_test(test_v2_stateless_start),
        cmocka_unit_test(test_real_tls_auth_and_crypt_resets),
        cmocka_unit_test(test_real_v3_resets),
        cmocka_unit_test(test_cookie),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
