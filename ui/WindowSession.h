// WindowSession: what the window keeps across restarts in QSettings: its
// geometry and the layout of its docks and tool bars ("window/geometry",
// "window/state") and the experiment in its form ("experiment/last"). The
// other parts keep their own settings: the charts' preferences
// (TrainingCharts), the recent run folders (RecentRuns), the workspace folder
// (WorkspacePanels) and the queue's switch (QueuePanel).
#pragma once

#include <QCoreApplication>
#include <QString>

#include <optional>

#include "fitbench/fit_args.h"

class QMainWindow;

class WindowSession {
  Q_DECLARE_TR_FUNCTIONS(WindowSession)

 public:
  static void save(const QMainWindow& window, const fitbench::FitArgs& experiment);
  // Puts the window's geometry and layout back, and returns the experiment
  // saved with them: nullopt when there is none, or when it cannot be read
  // (then `error` says why).
  static std::optional<fitbench::FitArgs> restore(QMainWindow& window, QString* error);
};
