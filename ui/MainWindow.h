// MainWindow: the fitbench application window; it builds its parts and wires
// them to each other and to the runs. The docks on the left (MainDocks) hold
// the experiment panel (ExperimentPanel: a preset chooser over an ArgsForm)
// with the arguments, the checkpoint browser and the devices (GpuPicker,
// which writes --gpus); the File menu opens and saves the arguments as JSON
// and copies or pastes them as a command line. Start / Pause / Stop / Save
// checkpoint / Set lr in the Run tool bar (RunControlBar; RunBarState says
// which may be asked now) drive a TrainerController, whose signals feed the
// central RunViews: it collects them and applies them to the widgets in one go
// every 40 ms, so the event loop stays free however fast training runs. Batch
// and epoch progress bars show the time left, the status line samples/s
// (RunProgressView). Start is disabled while the form holds an invalid value,
// and the form is read-only while a run goes on. The "Training" tab holds the
// live charts (TrainingCharts); a "Learning rate" tab beside it holds an
// LrScheduleEditor that follows the form and writes its step edits back into
// it, and a "Monitor" tab the parameter monitor (MonitorView) fed by
// --monitor N. With a dist_* kv-store (and a build with MPI and mpirun on
// PATH), Start runs "Processes" workers under mpirun through a ProcessTrainer
// instead, whose signals feed the same widgets, plus one throughput series
// per worker. A failed run ends in a message, never a crash. File > Open run
// folder… (and Recent run folders, which also lists every run trained here)
// shows an earlier run's checkpoints, curves and arguments.
//
// Nothing is lost or overwritten without consent (RunQuestions). Closing
// (Ctrl+Q, the window manager's close) during a run asks (CloseGuard): stop
// and save a checkpoint of the weights so far (the window closes once it is
// written), keep training, or quit without saving. A Start that would write
// over saved checkpoints (a resume from an epoch that is not the last, a new
// run over an existing --model-prefix) asks first, offering to branch into a
// new prefix. The last run's charts, monitor and checkpoint list stay until
// the next run has really started, so a Start that fails keeps them. Resume
// and Branch in the checkpoint browser are off while a run is in progress,
// paused or not.
//
// The window fits small screens (1280x720, or 1366x768 at 1.5x scaling): the
// docks are tabs on the left, texts that depend on the run are ElidedLabels,
// the tool bar overflows into its extension menu, and views scroll rather
// than grow. The wheel edits a combo box, spin box or slider only when it has
// the focus (WheelGuard).
#pragma once

#include <QList>
#include <QMainWindow>
#include <QStringList>

#include <functional>

#include "RunQuestions.h"
#include "fitbench/fit_args.h"
#include "fitbench/fit_config.h"
#include "fitbench/observer.h"

class ArgsForm;
class CheckpointBrowser;
class CloseGuard;
class ExperimentPanel;
class GpuPicker;
class LrScheduleEditor;
class MainDocks;
class RunControlBar;
class RunSource;
class RunViews;
class MonitorView;
class ProcessTrainer;
class RecentRuns;
class TrainerController;
class TrainingCharts;
class WorkspacePanels;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  // The default experiment: train_mnist.py's defaults with lenet on
  // Fashion-MNIST, batch 64, lr 0.05, 3 epochs, a Speedometer line every 100
  // batches, checkpoints under runs/default/lenet (as scripts/run.sh runs
  // fitbench-cli). Throws fitbench::ArgError if the schema rejects it.
  static fitbench::FitArgs defaultExperiment();

  explicit MainWindow(const fitbench::FitArgs& args = defaultExperiment(), QWidget* parent = nullptr);
  ~MainWindow() override;

  // The experiment as the form holds it (each field's last valid value).
  const fitbench::FitArgs& args() const { return m_args; }
  // Fills the form (and so args()).
  void setArgs(const fitbench::FitArgs& args);
  TrainerController* controller() const { return m_controller; }
  // Runs of several worker processes (a dist_* kv-store).
  ProcessTrainer* processTrainer() const { return m_processTrainer; }
  // True while either kind of run goes on.
  bool isTraining() const;
  // The run going on (the in-process trainer or the worker processes); null when none.
  RunSource* activeRun() const;
  // Whether Start would run the form's experiment as worker processes under mpirun.
  bool startsProcesses() const;
  ArgsForm* argsForm() const;
  LrScheduleEditor* lrEditor() const;
  CheckpointBrowser* checkpointBrowser() const;
  TrainingCharts* trainingCharts() const;
  MonitorView* monitorView() const;
  GpuPicker* gpuPicker() const;

  // The main views: a name (a screenshot's file name), the widget and how to
  // bring it into sight (a tab to select). A new view is one entry.
  struct View {
    QString name;
    QWidget* widget = nullptr;
    std::function<void()> reveal;
  };
  QList<View> views() const;

  // What the File menu's actions do, without their dialogs. Each returns ""
  // on success, else the one-line error the action shows in a message box.
  QString openExperiment(const QString& path);
  QString saveExperiment(const QString& path) const;
  QString pasteCommandLine(const QString& line);
  // The equivalent fitbench-cli command line, also put on the clipboard.
  QString copyCommandLine() const;
  // Fills the form with the preset of that name; false if there is none.
  bool applyPreset(const QString& name);
  // File > Open run folder: the checkpoints of the run in `folder` in the
  // checkpoint browser, its curves in the charts (the main series; an
  // overlay while a run trains) and its config.json in the form (not while a
  // run trains); the folder goes first in File > Recent run folders.
  QString openRunFolder(const QString& folder);
  RecentRuns* recentRuns() const { return m_recentRuns; }

  // The window's size, its docks, the Run bar's Processes and hostfile, and
  // the form as they were when it last closed (QSettings), the form only when
  // `withForm` (no arguments were given on the command line). Closing saves them.
  void restoreSession(bool withForm);

  // The answers of the close question and of the overwrite question.
  using CloseChoice = RunQuestions::CloseChoice;
  using OverwriteChoice = RunQuestions::OverwriteChoice;

 public slots:
  void startTraining();
  void togglePause();
  void stopTraining();
  // A checkpoint at the end of the current epoch (or of the epoch so far, at a stop before then).
  void saveCheckpointNow();
  // A learning rate for the next updates of the run.
  void applyLearningRate(double rate);

 protected:
  // During a run, closing asks first (CloseGuard).
  void closeEvent(QCloseEvent* event) override;
  // Back in the window: files named by the form may have come or gone meanwhile.
  void changeEvent(QEvent* event) override;
  // Asks what closing during a run does; without `canSave` (no --model-prefix,
  // or worker processes, which save only at epoch ends) Stop and save is not
  // offered. Default: RunQuestions' message box; tests override it to answer.
  virtual CloseChoice askCloseDuringRun(bool canSave);
  // Asks before a run writes over `files`; Branch would save under
  // `branchPrefix` instead. Default: RunQuestions' message box; tests override it.
  virtual OverwriteChoice askOverwrite(const QStringList& files, const QString& branchPrefix);

 private:
  QList<RunSource*> runSources() const;
  // The run in progress can save a checkpoint now (it takes the command, and has a --model-prefix).
  bool runCanSave() const;
  ExperimentPanel* experiment() const;
  void buildUi();
  void buildRunToolBar();
  void buildDocks();
  void buildWorkspace();
  void buildMenus();
  void onArgsChanged();
  // Fills the form with `args` and starts them, unless a run goes on; once
  // the run has started, the run in `overlay` ("" for none) is drawn under
  // its curves. Whether the run started.
  bool startWith(const fitbench::FitArgs& args, const QString& overlay);
  void updateButtons();
  // A stop was asked: the bar's Stop is off and the status line says `status` until the run ends.
  void showStopping(const QString& status);
  void checkMemory();
  // Why Start cannot use the hostfile box's file; "" when it can, or when Start runs no processes.
  QString hostfileProblem() const;
  void onRunStarted(const fitbench::RunInfo& info);
  void onFinished(const fitbench::FinishInfo& info);

  fitbench::FitArgs m_args;
  fitbench::FitConfig m_config;  // m_args resolved
  TrainerController* m_controller = nullptr;
  ProcessTrainer* m_processTrainer = nullptr;
  QString m_processesUnavailable;  // why process runs are not offered; "" when they are

  RunControlBar* m_runBar = nullptr;
  RunViews* m_views = nullptr;

  MainDocks* m_docks = nullptr;
  WorkspacePanels* m_workspace = nullptr;
  RecentRuns* m_recentRuns = nullptr;
  CloseGuard* m_closeGuard = nullptr;

  QString m_runDir;          // of the run that started last, absolute
  QString m_cannotStart;     // the status message of Start's last refusal
  QString m_branchOverlay;   // the parent run drawn under the last branch
  QString m_overlayOnStart;  // a branch's original run, drawn once the branch has started
};
