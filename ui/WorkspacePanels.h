// WorkspacePanels: the runs workspace in the window. A "Runs" tab (RunsView)
// of every run in the workspace folder, and a "Queue" dock (QueuePanel) of the
// runs lined up in its queue.json, trained one after another through the
// window's Start, or one per GPU in a runner process (QueueDriver). It ties them to the window's other parts: the
// Runs view's overlays go to the charts, a run opened or a point clicked on a
// chart shows its checkpoints, and Add to queue queues the form. The folder
// is remembered (QSettings "workspace/root"); the default is runs/ in the
// working directory, where fit() puts a run that names no --run-dir.
#pragma once

#include <QObject>
#include <QString>

#include <functional>

#include "QueueDriver.h"
#include "fitbench/fit_config.h"

class CheckpointBrowser;
class QDockWidget;
class QMainWindow;
class QueuePanel;
class RunControlBar;
class RunViews;
class RunsView;

class WorkspacePanels : public QObject {
  Q_OBJECT

 public:
  // What of the window the panels show into and ask.
  struct Window {
    QueueDriver::Window queue;  // whether it is busy; how it starts a run; the GPUs checked
    RunViews* views = nullptr;  // the Runs tab joins its tabs; overlays go to its charts
    RunControlBar* runBar = nullptr;  // Add to queue
    CheckpointBrowser* checkpoints = nullptr;
    QDockWidget* checkpointDock = nullptr;
    std::function<fitbench::FitArgs()> formArgs;   // the experiment in the form
    std::function<QString()> liveRunDir;           // the run that started last; "" before any
    std::function<fitbench::FitConfig()> liveConfig;  // its arguments
    std::function<void(const QString&)> showMessage;  // in the status bar
  };
  WorkspacePanels(QMainWindow* window, Window parts);

  RunsView* runsView() const { return m_runs; }
  QueuePanel* queuePanel() const { return m_queue; }
  QDockWidget* queueDock() const { return m_queueDock; }
  QueueDriver* driver() const { return m_driver; }

  // Shows and follows the runs and the queue of `root`.
  void openWorkspace(const QString& root);
  static QString rememberedWorkspace();

 private:
  void overlay(const QStringList& runDirs);
  // The checkpoints of the run in `runDir` (the live one when `live`), nearest `checkpoint` when it is >= 0.
  void showCheckpoints(const QString& runDir, bool live, int checkpoint);

  Window m_window;
  RunsView* m_runs = nullptr;
  QueuePanel* m_queue = nullptr;
  QDockWidget* m_queueDock = nullptr;
  QueueDriver* m_driver = nullptr;
};
