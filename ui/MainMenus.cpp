#include "MainMenus.h"

#include <QAction>
#include <QKeySequence>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>

#include "ExperimentPanel.h"
#include "HelpMenu.h"
#include "RecentRuns.h"

void MainMenus::build(QMainWindow* window, const Parts& parts) {
  QMenuBar* bar = window->menuBar();
  QMenu* file = bar->addMenu(tr("&File"));
  parts.experiment->addFileActions(file);
  file->addSeparator();
  file->addAction(parts.recentRuns->openAction());
  file->addMenu(parts.recentRuns);
  file->addSeparator();
  // close(), not quit(): closeEvent() asks what to do with a run in progress.
  QAction* quit = file->addAction(tr("&Quit"), window, &QWidget::close);
  quit->setObjectName(QStringLiteral("quitAction"));
  // The platform's Quit key, or Ctrl+Q where the platform names none (offscreen, some desktops).
  quit->setShortcut(
      QKeySequence::keyBindings(QKeySequence::Quit).value(0, QKeySequence(Qt::CTRL | Qt::Key_Q)));

  bar->addMenu(tr("&View"))->addActions(parts.viewToggles);
  bar->addMenu(tr("R&un"))->addActions(parts.runActions);  // Alt+R is the Processes box's
  bar->addMenu(tr("&Charts"))->addActions(parts.chartActions);
  bar->addMenu(new HelpMenu(window));
}
