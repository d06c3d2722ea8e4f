// QueuePanel: the experiment queue of a workspace (<workspace>/queue.json,
// fitbench/run_queue.h), one row per entry with its state. Entries are moved
// up and down, paused, resumed, cancelled, retried and removed here; Sweep…
// adds the runs of one or two arguments' values. Every edit goes through
// fitbench::edit_queue, so fitbench-cli --queue can work on the same file;
// the panel follows the file as it changes (QFileSystemWatcher).
//
// "Run queue" only asks for it (runRequestedChanged); QueueDriver runs the
// entries, through the window (each claimed with claimNext(), started as the
// form's experiment would be, its end reported with finish()) or in a runner
// process on several GPUs, which says how it goes in a line under Run queue
// (showRunnerStatus()) and on which GPU each of its runs trains (setEntryGpu()).
// The switch is kept in QSettings, so a queue that was running when the
// application closed runs again when it opens, beginning with the runs the
// close interrupted.
#pragma once

#include <QMap>
#include <QWidget>

#include <functional>
#include <optional>
#include <vector>

#include "fitbench/fit.h"
#include "fitbench/run_queue.h"

class QFileSystemWatcher;
class QLabel;
class QPushButton;
class QTableWidget;

class QueuePanel : public QWidget {
  Q_OBJECT

 public:
  explicit QueuePanel(QWidget* parent = nullptr);

  void setWorkspace(const QString& root);
  QString workspace() const { return m_workspace; }
  QString queueFile() const;

  // Each returns "" or the error to show.
  QString add(const QString& name, const fitbench::FitArgs& args);
  // `axes`: one or two "argument=values" texts (fitbench::parse_sweep_axis).
  QString addSweep(const QString& baseName, const fitbench::FitArgs& base, const QStringList& axes);
  QString edit(const std::function<void(fitbench::RunQueue&)>& change);

  const std::vector<fitbench::QueueEntry>& entries() const { return m_entries; }
  QTableWidget* table() const { return m_table; }
  // The id of the selected row; "" when none.
  QString selectedId() const;
  void selectId(const QString& id);

  bool runRequested() const;
  void setRunRequested(bool run);
  // Whether the queue file holds an entry to run: a queued one, or one interrupted.
  bool hasEntryToRun() const;

  // The line about the runner process under Run queue; hidden when `text` is "".
  void showRunnerStatus(const QString& text, const QString& toolTip = {});
  QString runnerStatus() const;
  // The GPU ("1") on which the runner process trains entry `id`, for its State while it runs.
  void setEntryGpu(const QString& id, const QString& gpu);
  void clearEntryGpus();

  // The next entry to run (an interrupted one first), marked as run by this
  // process; nullopt when none is left.
  std::optional<fitbench::QueueEntry> claimNext();
  // How the entry's run ended: done, stopped or failed.
  void finish(const QString& id, const fitbench::FinishInfo& info);

  // Where the sweep builder takes the arguments its runs start from (the form's experiment).
  void setSweepBase(std::function<fitbench::FitArgs()> base) { m_sweepBase = std::move(base); }

 signals:
  void runRequestedChanged(bool run);
  // The file changed (here or elsewhere): a new entry may be ready.
  void queueChanged();

 protected:
  // The sweep builder; tests override it. Returns whether runs were added.
  virtual bool askSweep();

 private:
  void reload();
  // The table of m_entries.
  void showEntries();
  QString stateText(const fitbench::QueueEntry& entry) const;
  void updateButtons();

  QString m_workspace;
  std::vector<fitbench::QueueEntry> m_entries;
  QMap<QString, QString> m_entryGpus;  // setEntryGpu()'s, by entry id
  std::function<fitbench::FitArgs()> m_sweepBase = [] { return fitbench::train_mnist_defaults(); };
  QFileSystemWatcher* m_watcher = nullptr;
  QTableWidget* m_table = nullptr;
  QPushButton* m_run = nullptr;
  QLabel* m_runnerStatus = nullptr;
  QPushButton* m_up = nullptr;
  QPushButton* m_down = nullptr;
  QPushButton* m_pause = nullptr;
  QPushButton* m_cancel = nullptr;
  QPushButton* m_retry = nullptr;
  QPushButton* m_remove = nullptr;
};
