// MainMenus: the window's menu bar, built from the actions its parts own.
// File: the experiment's files and command lines (ExperimentPanel), Open run
// folder… and Recent run folders (RecentRuns), Quit (the window's close(),
// which asks about a run in progress). View: the docks and tool bars. Run:
// the run tool bar's commands with their shortcuts. Charts: the charts'
// whole-run commands, also in each chart's context menu. Help (HelpMenu).
#pragma once

#include <QCoreApplication>
#include <QList>

class ExperimentPanel;
class QAction;
class QMainWindow;
class RecentRuns;

class MainMenus {
  Q_DECLARE_TR_FUNCTIONS(MainMenus)

 public:
  struct Parts {
    const ExperimentPanel* experiment = nullptr;
    RecentRuns* recentRuns = nullptr;
    QList<QAction*> viewToggles;  // the docks' and tool bars' toggleViewAction()
    QList<QAction*> runActions;
    QList<QAction*> chartActions;
  };
  static void build(QMainWindow* window, const Parts& parts);
};
