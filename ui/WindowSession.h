// WindowSession: what the window keeps across restarts in QSettings: its
// geometry and the layout of its docks and tool bars ("window/geometry",
// "window/state"), the experiment in its form ("experiment/last"), and the
// worker processes and hostfile of the Run bar ("run/processes",
// "run/hostfile"), which go with the experiment's dist_* kv-store. The
// other parts keep their own settings: the charts' preferences
// (TrainingCharts), the recent run folders (RecentRuns), the workspace folder
// (WorkspacePanels) and the queue's switch (QueuePanel).
#pragma once

#include <QCoreApplication>
#include <QString>

#include <optional>

#include "fitbench/fit_args.h"

class QMainWindow;
class RunControlBar;

class WindowSession {
  Q_DECLARE_TR_FUNCTIONS(WindowSession)

 public:
  static void save(const QMainWindow& window, const fitbench::FitArgs& experiment,
                   const RunControlBar& runBar);
  // Puts the window's geometry and layout and the Run bar's settings back,
  // and returns the experiment saved with them: nullopt when there is none,
  // or when it cannot be read (then `error` says why).
  static std::optional<fitbench::FitArgs> restore(QMainWindow& window, RunControlBar& runBar, QString* error);
};
