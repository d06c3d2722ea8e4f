// WorkspacePanels: the runs workspace in the window. A "Runs" view (RunsView)
// of every run in the workspace folder and a "Queue" dock (QueuePanel) of the
// runs lined up in its queue.json, trained one after another through the
// window's Start (QueueDriver). The folder is remembered (QSettings
// "workspace/root"); the default is runs/ in the working directory, where
// fit() puts a run that names no --run-dir.
#pragma once

#include <QObject>
#include <QString>

#include "QueueDriver.h"

class QDockWidget;
class QMainWindow;
class QueuePanel;
class RunsView;

class WorkspacePanels : public QObject {
  Q_OBJECT

 public:
  WorkspacePanels(QMainWindow* window, QueueDriver::Window hooks);

  RunsView* runsView() const { return m_runs; }
  QueuePanel* queuePanel() const { return m_queue; }
  QDockWidget* queueDock() const { return m_queueDock; }
  QueueDriver* driver() const { return m_driver; }

  // Shows and follows the runs and the queue of `root`.
  void openWorkspace(const QString& root);
  static QString rememberedWorkspace();

 signals:
  // The person asked for these runs' curves in the charts.
  void overlayRequested(const QStringList& runDirs);
  // The person opened a run: its checkpoints are in `directory`.
  void checkpointsRequested(const QString& directory);

 private:
  RunsView* m_runs = nullptr;
  QueuePanel* m_queue = nullptr;
  QDockWidget* m_queueDock = nullptr;
  QueueDriver* m_driver = nullptr;
};
