/* The pages' words in the crew's language: GET /api/i18n.js. */
#ifndef DOKPIM_SERVE_I18N_H
#define DOKPIM_SERVE_I18N_H

#include "serve.h"

/* Routes /api/i18n.js on the server: a script that sets window.DK_MESSAGES
 * from web/i18n/LANG.json (built from po/ with the command line's
 * catalogue). Every page loads it before dokpim.js. */
void serve_i18n_attach(dk_server *server);

#endif
