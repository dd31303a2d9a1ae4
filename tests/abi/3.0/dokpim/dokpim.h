/* dokpim — everything a plugin needs: #include <dokpim/dokpim.h> */
#ifndef DOKPIM_H
#define DOKPIM_H

#include "capture.h"
#include "error.h"
#include "fileio.h"
#include "item.h"
#include "plugin.h"
#include "progress.h"
#include "retry.h"
#include "template.h"

#endif
