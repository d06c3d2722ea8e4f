// CheckpointBrowser: the saved epochs of a model-prefix directory (a
// CheckpointModel in a table) and, for the selected epoch, the network summary
// (layers, output shapes, parameter count) with actions: resume from this
// epoch, load its arguments, delete it.
//
// The summary is read off the UI thread: the <prefix>-symbol.json through
// fitbench::Symbol::load and the data shape (batch-size, image-shape) from the
// run's config.json, through fitbench::network_summary. Errors are shown as
// text that names the file.
//
// Wiring it into MainWindow (the lead does this):
//   auto* browser = new CheckpointBrowser;                 // e.g. in a QDockWidget or a tab
//   connect(browser, &CheckpointBrowser::argumentsRequested,  // fill the form
//           this, [this](const fitbench::FitArgs& a) { m_argsForm->setArgs(a); });
//   connect(browser, &CheckpointBrowser::resumeRequested,     // fill the form and start
//           this, [this](const fitbench::FitArgs& a) { m_argsForm->setArgs(a); startTraining(); });
//   // Show a run's directory when it starts, and rescan after every checkpoint:
//   //   browser->setDirectory(<directory of --model-prefix>) on start,
//   //   browser->refresh() on TrainerController's checkpoint signal.
// resumeRequested() carries the run's config.json arguments with --load-epoch N
// and --model-prefix set to the checkpoint's absolute prefix, so fit()
// restores the parameters and the optimizer state (.states) of epoch N.
#pragma once

#include <QFutureWatcher>
#include <QString>
#include <QWidget>

#include <optional>

#include "CheckpointModel.h"
#include "fitbench/fit_args.h"

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;

// What the summary pane shows for one checkpoint; built on a worker thread.
struct CheckpointDetails {
  QString prefix;
  int epoch = 0;
  QString summary;                        // the network summary, or the error naming the file
  std::optional<fitbench::FitArgs> args;  // the run's config.json
  QString configError;                    // why `args` is missing
};

class CheckpointBrowser : public QWidget {
  Q_OBJECT

 public:
  explicit CheckpointBrowser(QWidget* parent = nullptr);
  ~CheckpointBrowser() override;

  // Lists the checkpoints of `directory` (scanned off the UI thread).
  void setDirectory(const QString& directory);
  QString directory() const { return m_model->directory(); }
  // Scans the directory again (after a run saved a checkpoint).
  void refresh();

  CheckpointModel* model() const { return m_model; }
  QTableView* tableView() const { return m_table; }
  // Selects a row of the table (tests; -1 clears the selection).
  void selectRow(int row);
  // The selected row, -1 when none.
  int selectedRow() const;
  // The summary pane's text and the status line above the table.
  QString summaryText() const;
  QString statusText() const;
  // True while the summary of the selected checkpoint is being read.
  bool isLoadingDetails() const { return m_detailsLoading; }

  // Synchronous: what the worker thread runs for the summary pane.
  static CheckpointDetails loadDetails(const QString& directory, const QString& prefix, int epoch);

 public slots:
  void openDirectory();  // asks with a QFileDialog
  void resumeSelected();
  void loadArgumentsOfSelected();
  void deleteSelected();

 signals:
  // The run's arguments with --load-epoch N and --model-prefix set.
  void resumeRequested(const fitbench::FitArgs& args);
  // The run's arguments as config.json holds them.
  void argumentsRequested(const fitbench::FitArgs& args);
  // The summary pane finished loading for the selected epoch.
  void detailsLoaded();
  // Files of an epoch were deleted (the model is rescanning).
  void checkpointDeleted(const QString& prefix, int epoch);

 protected:
  // Asks before deleting; tests override it to answer. Default: a QMessageBox.
  virtual bool confirmDelete(const QString& question);
  // Shows an error of an action; default: the status line (tests read it).
  virtual void showError(const QString& message);

 private:
  void updateStatus();
  void updateActions();
  void onSelectionChanged();
  void applyDetails(quint64 generation, const CheckpointDetails& details);
  const CheckpointEntry* selectedEntry() const;

  CheckpointModel* m_model = nullptr;
  QTableView* m_table = nullptr;
  QLabel* m_status = nullptr;
  QPlainTextEdit* m_summary = nullptr;
  QPushButton* m_openButton = nullptr;
  QPushButton* m_resumeButton = nullptr;
  QPushButton* m_loadArgsButton = nullptr;
  QPushButton* m_deleteButton = nullptr;
  std::optional<CheckpointDetails> m_details;  // of the selected checkpoint, when loaded
  bool m_detailsLoading = false;
  quint64 m_detailsGeneration = 0;
  QString m_error;  // the last action error, shown in the status line
};
