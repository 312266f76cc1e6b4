/*
 * parley: SIP signaling sessions. The one header an application includes.
 */
#ifndef PARLEY_PARLEY_H
#define PARLEY_PARLEY_H

#include "parley/endpoint.h"
#include "parley/error.h"
#include "parley/msg.h"
#include "parley/registration.h"
#include "parley/sdp.h"
#include "parley/session.h"
#include "parley/types.h"

#endif
