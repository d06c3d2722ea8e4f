// WorkspaceWatcher: a runs workspace (fitbench::RunWorkspace) kept current
// off the UI thread. Its worker lives on a thread of its own with a
// QFileSystemWatcher on the workspace folder, every folder in it and every
// run's metrics.jsonl; what changes is gathered for 200 ms and then sent as
// value snapshots, so a run that writes a record per batch costs the UI a
// few updates a second whoever started it (the application, fitbench-cli,
// mpirun). A running run is also looked at every 2 s: a process that dies
// changes no file.
#pragma once

#include <QObject>
#include <QStringList>
#include <QThread>
#include <QVector>

#include "fitbench/run_workspace.h"

Q_DECLARE_METATYPE(fitbench::RunSummary)
Q_DECLARE_METATYPE(fitbench::RunNotes)

class WorkspaceWorker;

class WorkspaceWatcher : public QObject {
  Q_OBJECT

 public:
  explicit WorkspaceWatcher(QObject* parent = nullptr);
  ~WorkspaceWatcher() override;

  // Each returns at once; the answer comes as a signal.
  void open(const QString& root);  // a folder that does not exist yet holds no runs
  void setNotes(const QString& dir, const fitbench::RunNotes& notes);
  void remove(const QString& dir);  // deletes fitbench::run_files() of the run

  QString root() const { return m_root; }

 signals:
  // Runs found or changed (every run once after open()).
  void runsChanged(const QVector<fitbench::RunSummary>& runs);
  void runsRemoved(const QStringList& dirs);
  // open() is done: how many runs, and how long reading them took.
  void opened(const QString& root, int runs, qint64 milliseconds);
  void failed(const QString& message);

 private:
  QString m_root;
  QThread m_thread;
  WorkspaceWorker* m_worker;  // lives on m_thread, deleted when it finishes
};
