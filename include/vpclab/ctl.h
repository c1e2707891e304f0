/* The control socket: /run/vpclab/LAB/ctl, a Unix stream socket only root can open (0600 in a
 * 0700 directory). A client sends one request line and reads the answer until EOF.
 * Answers are JSON objects (jansson); errors are {"error": "text"}. */
#ifndef VPCLAB_CTL_H
#define VPCLAB_CTL_H

#define VL_RUN_DIR "/run/vpclab"
#define VL_CTL_STATUS "status"      /* -> the status object (see cli.c for its fields) */
#define VL_CTL_DOWN "down"          /* -> {"ok": true}, then the router tears the lab down */
#define VL_CTL_MAX_LINE 1024

#endif
