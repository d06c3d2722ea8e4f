// Screenshots of the application's main views (scripts/screenshots.sh runs
// the application with --screenshots DIR; a test checks every view grabs).
#pragma once

#include <QString>
#include <QStringList>

#include "MainWindow.h"

// Brings each of `window`'s views into sight and grabs it into
// `dir`/<name>.png. Returns the files written; on a failure sets `error` and
// stops there. The first view is in sight again afterwards.
QStringList saveScreenshots(MainWindow& window, const QString& dir, QString* error);
