// CheckpointBrowser: the saved epochs of a model-prefix directory (a
// CheckpointModel in a table) and, for the selected epoch, the network summary
// (layers, output shapes, parameter count) with actions: resume from this
// epoch, load its arguments, branch a new run from it, evaluate it, export
// it to ONNX (OnnxExportDialog, written on a worker thread), delete it. Below the table, tabs: the summary, the evaluation (EvaluationView:
// metrics, per-class accuracy, confusion matrix, misclassified images) and
// "Try an image" (TryImagePanel) on the selected epoch.
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
//   connect(browser, &CheckpointBrowser::branchRequested,     // the original drawn under the branch
//           this, [this](const fitbench::FitArgs& a, const QString& originalRunDir) {
//             m_argsForm->setArgs(a); m_charts->addOverlay(originalRunDir); startTraining(); });
//   // Show a run's directory when it starts, and rescan after every checkpoint:
//   //   browser->setDirectory(<directory of --model-prefix>) on start,
//   //   browser->refresh() on TrainerController's checkpoint signal.
// resumeRequested() carries the run's config.json arguments with --load-epoch N
// and --model-prefix set to the checkpoint's absolute prefix, so fit()
// restores the parameters and the optimizer state (.states) of epoch N. A
// partial checkpoint ("<prefix>-partial", saved by a stop; see
// fitbench::partial_prefix()) is loaded through --load-prefix and continues
// under <prefix>. Whether the run would write over saved epochs is the
// window's to ask when it starts (fitbench::checkpoint_files_overwritten()).
// branchRequested() carries the arguments the user edited, with --load-epoch
// N, --load-prefix the checkpoint's prefix and --model-prefix a new prefix in
// another directory: the branch saves its checkpoints, config.json and
// metrics there and never writes to the original run. Its update count
// continues from the checkpoint's (.states), so its curves start where the
// original's stood at epoch N and the overlay shows them as a branch.
// Resume and Branch are off while a run is in progress, paused or not
// (setRunInProgress()), since either would start another run.
#pragma once

#include <QFutureWatcher>
#include <QString>
#include <QWidget>

#include <optional>

#include "CheckpointModel.h"
#include "OnnxExportDialog.h"
#include "fitbench/fit_args.h"
#include "fitbench/fit_config.h"

class ElidedLabel;
class EvaluationView;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class TryImagePanel;

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
  // Lists `directory` and selects the checkpoint of `prefix` (a full path
  // prefix) whose epoch is nearest to `epoch`, once the scan is done.
  void showNearestEpoch(const QString& directory, const QString& prefix, int epoch);
  // Scans the directory again (after a run saved a checkpoint).
  void refresh();
  // While a run is in progress (paused or not) Resume and Branch are off, and
  // their tooltips say why.
  void setRunInProgress(bool running);

  CheckpointModel* model() const { return m_model; }
  QTableView* tableView() const { return m_table; }
  // Selects a row of the table (tests; -1 clears the selection).
  void selectRow(int row);
  // The selected row, -1 when none.
  int selectedRow() const;
  // The summary pane's text, and the status above the table: the last
  // action's outcome (when there is one) on its own line, then the folder's.
  QString summaryText() const;
  QString statusText() const;
  // True while the summary of the selected checkpoint is being read.
  bool isLoadingDetails() const { return m_detailsLoading; }
  EvaluationView* evaluationView() const { return m_evaluation; }
  TryImagePanel* tryImagePanel() const { return m_tryImage; }
  QTabWidget* tabs() const { return m_tabs; }

  // The arguments that resume `prefix` at `epoch` (what resumeRequested()
  // carries): the run's `args` with --model-prefix and --load-epoch, and
  // --load-prefix for a partial checkpoint. Throws fitbench::ArgError.
  static fitbench::FitArgs resumeArguments(const fitbench::FitArgs& args, const QString& prefix, int epoch);
  // `args` moved to a new prefix, so the run writes over nothing of the
  // original's: --model-prefix the same file name in a new sibling directory
  // of its own, "<run>-branch-e<N>" when it loads epoch N, else "<run>" (with
  // "-2", "-3", ... until one is free); --load-prefix the absolute prefix the
  // epoch is loaded from; --run-dir cleared so the run directory follows the
  // new prefix. Throws fitbench::ArgError.
  static fitbench::FitArgs branchArguments(const fitbench::FitArgs& args);
  // Where the run in `runDir` saved its checkpoints: the run folder itself,
  // unless --run-dir put the run apart from its --model-prefix; then the
  // prefix's folder (a relative prefix counts from the working directory).
  static QString checkpointDirectory(const QString& runDir, const fitbench::FitConfig& config);
  // Why `args` would write into `originalDir` (its --model-prefix or
  // --run-dir there, or no --model-prefix at all); "" when they do not.
  static QString branchConflict(const fitbench::FitArgs& args, const QString& originalDir);

  // Synchronous: what the worker thread runs for the summary pane.
  static CheckpointDetails loadDetails(const QString& directory, const QString& prefix, int epoch);

 public slots:
  void openDirectory();  // asks with a QFileDialog
  void resumeSelected();
  void loadArgumentsOfSelected();
  void deleteSelected();
  // Scores the selected epoch on the run's validation data (Evaluation tab).
  void evaluateSelected();
  // Lets the user edit branchArguments() and emits branchRequested().
  void branchSelected();
  // Asks for the file and options, then writes the selected epoch as ONNX
  // off the UI thread; exportFinished() reports it.
  void exportSelected();

 signals:
  // The run's arguments with --load-epoch N and --model-prefix set.
  void resumeRequested(const fitbench::FitArgs& args);
  // The run's arguments as config.json holds them.
  void argumentsRequested(const fitbench::FitArgs& args);
  // A new run from the selected epoch; `originalRunDir` is the browsed run
  // directory, for the charts to overlay.
  void branchRequested(const fitbench::FitArgs& args, const QString& originalRunDir);
  // The summary pane finished loading for the selected epoch.
  void detailsLoaded();
  // Files of an epoch were deleted (the model is rescanning).
  void checkpointDeleted(const QString& prefix, int epoch);
  // An ONNX export is done; `message` (also in the status line) says what was written or why not.
  void exportFinished(bool ok, const QString& message);

 protected:
  // Asks before deleting; tests override it to answer. Default: a QMessageBox.
  virtual bool confirmDelete(const QString& question);
  // Shows an error of an action; default: the status line (tests read it).
  virtual void showError(const QString& message);
  // Lets the user edit a branch's arguments; false when cancelled. Default:
  // a dialog with an ArgsForm; tests override it.
  virtual bool editBranchArguments(fitbench::FitArgs& args);
  // Lets the user choose the ONNX file and options; false when cancelled.
  // Default: an OnnxExportDialog; tests override it.
  virtual bool askOnnxExport(OnnxExportChoice& choice);

 private:
  void updateStatus();
  void updateActions();
  void onSelectionChanged();
  void applyDetails(quint64 generation, const CheckpointDetails& details);
  const CheckpointEntry* selectedEntry() const;

  CheckpointModel* m_model = nullptr;
  QTableView* m_table = nullptr;
  ElidedLabel* m_status = nullptr;
  QLabel* m_actionLabel = nullptr;
  QPlainTextEdit* m_summary = nullptr;
  QPushButton* m_openButton = nullptr;
  QPushButton* m_resumeButton = nullptr;
  QPushButton* m_loadArgsButton = nullptr;
  QPushButton* m_deleteButton = nullptr;
  QPushButton* m_evaluateButton = nullptr;
  QPushButton* m_branchButton = nullptr;
  QPushButton* m_exportButton = nullptr;
  QTabWidget* m_tabs = nullptr;
  EvaluationView* m_evaluation = nullptr;
  TryImagePanel* m_tryImage = nullptr;
  std::optional<CheckpointDetails> m_details;  // of the selected checkpoint, when loaded
  bool m_detailsLoading = false;
  bool m_runInProgress = false;
  quint64 m_detailsGeneration = 0;
  // The last action's outcome (an error, or the file an export wrote), shown in the status line.
  QString m_actionMessage;
  bool m_exporting = false;
  OnnxExportChoice m_lastExport;
  // What showNearestEpoch() selects when the scan is done.
  std::optional<QPair<QString, int>> m_wantedEpoch;
};
