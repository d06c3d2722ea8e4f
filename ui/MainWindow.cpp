#include "MainWindow.h"

#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QIcon>
#include <QImageReader>
#include <QMessageBox>
#include <QStatusBar>
#include <QTimer>

#include <optional>
#include <string>

#include "ArgsForm.h"
#include "CheckpointBrowser.h"
#include "CloseGuard.h"
#include "ExperimentIo.h"
#include "ExperimentPanel.h"
#include "GpuPicker.h"
#include "LrScheduleEditor.h"
#include "MainDocks.h"
#include "MainMenus.h"
#include "MemoryEstimateLabel.h"
#include "MonitorView.h"
#include "ProcessTrainer.h"
#include "RecentRuns.h"
#include "RunBarState.h"
#include "RunControlBar.h"
#include "RunLogView.h"
#include "RunProgressView.h"
#include "RunQuestions.h"
#include "RunViews.h"
#include "RunsView.h"
#include "TrainerController.h"
#include "TrainingCharts.h"
#include "WheelGuard.h"
#include "WindowSession.h"
#include "WorkspacePanels.h"
#include "fitbench/fit.h"
#include "fitbench/kvstore.h"
#include "fitbench/run_records.h"

// Q_INIT_RESOURCE must be used outside any namespace; the resources live in
// this static library, so the application has to ask for them.
static void initFitbenchResources() { Q_INIT_RESOURCE(resources); }

namespace {

constexpr QSize kDefaultSize(1280, 800);

QIcon fitbenchIcon() {
  QIcon icon;
  if (QImageReader::supportedImageFormats().contains("svg"))
    icon.addFile(QStringLiteral(":/icons/fitbench.svg"));
  icon.addFile(QStringLiteral(":/icons/fitbench-256.png"));
  return icon;
}

}  // namespace

fitbench::FitArgs MainWindow::defaultExperiment() {
  // On top of train_mnist.py's script defaults, as fitbench-cli.
  return fitbench::parse_command_line(
      {"--network", "lenet", "--batch-size", "64", "--lr", "0.05", "--num-epochs", "3", "--disp-batches",
       "100", "--model-prefix", "runs/default/lenet"},
      fitbench::train_mnist_defaults());
}

MainWindow::MainWindow(const fitbench::FitArgs& args, QWidget* parent)
    : QMainWindow(parent),
      m_args(args),
      m_controller(new TrainerController(this)),
      m_processTrainer(new ProcessTrainer(this)),
      m_processesUnavailable(ProcessTrainer::unavailableReason()) {
  initFitbenchResources();
  setWindowIcon(fitbenchIcon());
  buildUi();
  setArgs(args);

  // Both kinds of run report through the same slots.
  m_views->followTrainer(m_controller);
  m_views->follow(m_processTrainer);
  for (RunSource* source : runSources()) {
    connect(source, &RunSource::runStarted, this, &MainWindow::onRunStarted);
    connect(source, &RunSource::finished, this, &MainWindow::onFinished);
    connect(source, &RunSource::checkpointSaved, checkpointBrowser(), &CheckpointBrowser::refresh);
    // The epoch's record comes after its checkpoint: the newest row's accuracies are read then.
    connect(source, &RunSource::epochEnded, checkpointBrowser()->model(),
            &CheckpointModel::refreshAccuracies);
  }
  connect(m_controller, &TrainerController::pausedChanged, this, &MainWindow::updateButtons);
  connect(m_views, &RunViews::learningRateShown, m_runBar, &RunControlBar::followLearningRate);
  connect(m_views, &RunViews::learningRateChosen, m_runBar, &RunControlBar::setLearningRate);
  connect(m_processTrainer, &ProcessTrainer::rankBatchEnded, trainingCharts(), &TrainingCharts::addRankBatch);
  connect(m_processTrainer, &ProcessTrainer::hostsChanged, m_views->progressView(),
          &RunProgressView::showHosts);
  connect(argsForm(), &ArgsForm::errorsChanged, this, &MainWindow::updateButtons);
  connect(argsForm(), &ArgsForm::startProblemsChanged, this, &MainWindow::updateButtons);
  m_closeGuard = new CloseGuard(this, [this](bool canSave) { return askCloseDuringRun(canSave); });
  connect(m_closeGuard, &CloseGuard::closingChanged, m_workspace->driver(), &QueueDriver::setWindowClosing);
  connect(m_closeGuard, &CloseGuard::stopping, this, &MainWindow::showStopping);
  // The form echoes the edit back through argsChanged(); the editor ignores
  // arguments it already shows, so that ends there.
  connect(lrEditor(), &LrScheduleEditor::argsEdited, this, [this](const fitbench::FitArgs& edited) {
    if (!isTraining()) setArgs(edited);
  });

  WheelGuard::install(this);
  updateButtons();
}

MainWindow::~MainWindow() {
  // The run's late signals must not reach a half-destroyed window.
  m_controller->disconnect(this);
  m_processTrainer->disconnect(this);
  m_controller->stopAndWait();
}

QList<RunSource*> MainWindow::runSources() const { return {m_controller, m_processTrainer}; }

RunSource* MainWindow::activeRun() const {
  for (RunSource* source : runSources())
    if (source->isRunning()) return source;
  return nullptr;
}

bool MainWindow::isTraining() const { return activeRun() != nullptr; }

bool MainWindow::runCanSave() const {
  const RunSource* run = activeRun();
  return run != nullptr && run->canSave() && !m_config.model_prefix.empty();
}

bool MainWindow::startsProcesses() const {
  return m_processesUnavailable.isEmpty() && fitbench::is_distributed_kvstore(m_config.kv_store);
}

ExperimentPanel* MainWindow::experiment() const { return m_docks->experiment(); }

ArgsForm* MainWindow::argsForm() const { return experiment()->form(); }

CheckpointBrowser* MainWindow::checkpointBrowser() const { return m_docks->checkpointBrowser(); }

GpuPicker* MainWindow::gpuPicker() const { return m_docks->gpuPicker(); }

LrScheduleEditor* MainWindow::lrEditor() const { return m_views->lrEditor(); }

TrainingCharts* MainWindow::trainingCharts() const { return m_views->charts(); }

MonitorView* MainWindow::monitorView() const { return m_views->monitorView(); }

void MainWindow::buildUi() {
  // The docks can share an area as tabs or side by side, so the window fits small screens.
  setDockOptions(AnimatedDocks | AllowNestedDocks | AllowTabbedDocks);
  buildRunToolBar();

  m_views = new RunViews(this);
  setCentralWidget(m_views);
  buildDocks();
  buildWorkspace();
  buildMenus();
  resize(kDefaultSize);
  m_docks->arrange(m_workspace->queueDock());
}

// Start and the commands to a running run.
void MainWindow::buildRunToolBar() {
  m_runBar = new RunControlBar(m_processesUnavailable, this);
  addToolBar(m_runBar);
  connect(m_runBar, &RunControlBar::startRequested, this, &MainWindow::startTraining);
  connect(m_runBar, &RunControlBar::pauseToggled, this, &MainWindow::togglePause);
  connect(m_runBar, &RunControlBar::stopRequested, this, &MainWindow::stopTraining);
  connect(m_runBar, &RunControlBar::saveRequested, this, &MainWindow::saveCheckpointNow);
  connect(m_runBar, &RunControlBar::learningRateRequested, this, &MainWindow::applyLearningRate);
  connect(m_runBar, &RunControlBar::workersChanged, this, &MainWindow::updateButtons);
  connect(m_runBar, &RunControlBar::workersChanged, this, &MainWindow::checkMemory);
}

void MainWindow::buildDocks() {
  m_docks = new MainDocks(this);
  connect(experiment(), &ExperimentPanel::argsChanged, this, &MainWindow::onArgsChanged);
  // statusBar() adds the bar, which takes room: not before there is something to say.
  connect(experiment(), &ExperimentPanel::statusMessage, this,
          [this](const QString& message, int timeoutMs) { statusBar()->showMessage(message, timeoutMs); });
  connect(checkpointBrowser(), &CheckpointBrowser::argumentsRequested, this,
          [this](const fitbench::FitArgs& a) {
            if (!isTraining()) setArgs(a);
          });
  connect(checkpointBrowser(), &CheckpointBrowser::resumeRequested, this,
          [this](const fitbench::FitArgs& a) { startWith(a, {}); });
  // A branch trains from the checkpoint under a new prefix, drawn over the original run's curves.
  connect(checkpointBrowser(), &CheckpointBrowser::branchRequested, this, &MainWindow::startWith);
}

bool MainWindow::startWith(const fitbench::FitArgs& args, const QString& overlay) {
  if (isTraining()) return false;
  setArgs(args);
  m_overlayOnStart = overlay;
  startTraining();
  return isTraining();
}

// Every run of the workspace folder in a "Runs" tab, and the queue of runs to
// train after one another in a "Queue" dock, started through startTraining(),
// or one per GPU in a runner process when the Devices dock has several checked.
void MainWindow::buildWorkspace() {
  const auto startQueued = [this](const fitbench::FitArgs& a) { return startWith(a, {}); };
  m_workspace = new WorkspacePanels(
      this, {{[this] { return isTraining(); }, startQueued, [this] { return gpuPicker()->selectedGpus(); }},
             m_views,
             m_runBar,
             checkpointBrowser(),
             m_docks->checkpointDock(),
             [this] { return experiment()->args(); },
             [this] { return m_runDir; },
             [this] { return m_config; },
             [this](const QString& m) { statusBar()->showMessage(m, 10000); }});
  m_workspace->openWorkspace(WorkspacePanels::rememberedWorkspace());
  // A queue that ran when the window closed goes on, from the runs it interrupted.
  QTimer::singleShot(0, m_workspace->driver(), &QueueDriver::startQueue);
}

void MainWindow::buildMenus() {
  m_recentRuns = new RecentRuns(this);
  connect(m_recentRuns, &RecentRuns::openRequested, this, [this](const QString& folder) {
    const QString error = openRunFolder(folder);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Open run folder"), error);
  });
  MainMenus::build(this, {experiment(), m_recentRuns,
                          m_docks->toggleActions()
                              << m_workspace->queueDock()->toggleViewAction() << m_runBar->toggleViewAction(),
                          m_runBar->menuActions(), trainingCharts()->actions()});
}

QString MainWindow::openRunFolder(const QString& folder) {
  const QString runDir = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
  QString error;
  const std::optional<fitbench::FitArgs> args = ExperimentIo::loadRunFolder(runDir, &error);
  if (!args) return error;
  checkpointBrowser()->setDirectory(
      CheckpointBrowser::checkpointDirectory(runDir, fitbench::FitConfig::resolve(*args)));
  m_docks->checkpointDock()->raise();
  m_recentRuns->add(runDir);
  m_views->showTab(trainingCharts());
  // A run in progress keeps the charts and the form: the folder's curves go under its own.
  if (isTraining()) return trainingCharts()->addOverlay(runDir);
  // Otherwise the folder takes the finished run's place, as opening a document
  // replaces the one in view: its curves become the main series (its best
  // epoch stated above them, a click on them picking its checkpoints) and its
  // arguments fill the form, ready to resume or branch. An overlay would leave
  // the last run as the main series, and outlive the next Start.
  setArgs(*args);
  const QString curvesError = trainingCharts()->showRun(runDir);
  if (curvesError.isEmpty()) m_runDir = runDir;
  return curvesError;
}

QString MainWindow::openExperiment(const QString& path) { return experiment()->openExperiment(path); }

QString MainWindow::saveExperiment(const QString& path) const { return experiment()->saveExperiment(path); }

QString MainWindow::pasteCommandLine(const QString& line) { return experiment()->pasteCommandLine(line); }

QString MainWindow::copyCommandLine() const { return experiment()->copyCommandLine(); }

bool MainWindow::applyPreset(const QString& name) { return experiment()->applyPreset(name); }

void MainWindow::setArgs(const fitbench::FitArgs& args) { experiment()->setArgs(args); }

void MainWindow::onArgsChanged() {
  m_args = experiment()->args();
  m_config = fitbench::FitConfig::resolve(m_args);
  const std::string network = m_config.network;
  setWindowTitle(network.empty() ? tr("fitbench") : tr("fitbench — %1").arg(QString::fromStdString(network)));
  lrEditor()->setArgs(m_args);
  // The last run's actual rates belong to its schedule, not to the one being edited.
  if (!isTraining()) lrEditor()->clearActualLearningRate();
  gpuPicker()->setSelectedGpus(QString::fromStdString(m_config.gpus));
  // The last run's charts stay until the next run starts.
  if (!isTraining()) m_runBar->setLearningRate(m_config.lr);
  updateButtons();  // the kv-store decides whether Processes fits
  checkMemory();
}

// A run in progress holds memory of its own: the check waits for it to end.
// The workers share this machine, unless a hostfile spreads them over others,
// whose memory it cannot see: then the estimate is one worker's.
void MainWindow::checkMemory() {
  const bool shared = startsProcesses() && m_runBar->hostfile().isEmpty();
  if (!isTraining()) m_runBar->memoryLabel()->setConfig(m_config, shared ? m_runBar->processes() : 1);
}

QString MainWindow::hostfileProblem() const {
  return startsProcesses() ? ProcessTrainer::hostfileProblem(m_runBar->hostfile()) : QString();
}

void MainWindow::startTraining() {
  if (isTraining() || !argsForm()->isValid()) return;
  // Files may have come or gone since the form (and the hostfile box) last looked.
  QStringList problems = experiment()->checkStart();
  if (!problems.isEmpty()) m_docks->experimentDock()->raise();
  if (const QString hostfile = hostfileProblem(); !hostfile.isEmpty()) problems << hostfile;
  if (!problems.isEmpty()) {
    m_cannotStart = tr("Cannot start: %1").arg(problems.join(QStringLiteral("; ")));
    statusBar()->showMessage(m_cannotStart, 15000);
    return;
  }
  const fitbench::FitArgs formArgs = experiment()->args();
  const std::optional<fitbench::FitArgs> confirmed = RunQuestions::confirmOverwrites(
      this, formArgs,
      [this](const QStringList& files, const QString& prefix) { return askOverwrite(files, prefix); });
  if (!confirmed) {
    m_overlayOnStart.clear();
    return;
  }
  const bool branched = *confirmed != formArgs;
  if (branched) {
    setArgs(*confirmed);
    // Drawn over the run whose files it keeps, as Branch… draws the run it branches from.
    const std::string parent = fitbench::FitConfig::resolve(formArgs).run_directory();
    if (m_overlayOnStart.isEmpty() && QFileInfo::exists(QString::fromStdString(fitbench::run_records_path(parent))))
      m_overlayOnStart = QDir(QString::fromStdString(parent)).absolutePath();
  }
  m_args = experiment()->args();
  m_config = fitbench::FitConfig::resolve(m_args);
  if (branched)
    statusBar()->showMessage(
        tr("The run saves under %1")
            .arg(QDir::toNativeSeparators(QString::fromStdString(m_config.model_prefix))),
        10000);
  // The last run's views stay until this one has started (onRunStarted): a
  // Start that fails keeps them.
  m_views->prepareRun(m_config);
  m_runBar->setLearningRate(m_config.lr);
  if (startsProcesses()) {
    // The trainer logs the whole mpirun command line.
    m_processTrainer->start(m_args, m_runBar->processes(), m_runBar->hostfile());
  } else {
    m_views->log()->addLine(tr("Starting: %1").arg(ExperimentIo::commandLine(m_args)));
    m_controller->start(m_args);
  }
  updateButtons();
}

MainWindow::OverwriteChoice MainWindow::askOverwrite(const QStringList& files, const QString& branchPrefix) {
  return RunQuestions::askOverwrite(this, files, branchPrefix);
}

void MainWindow::togglePause() {
  RunSource* run = activeRun();
  if (run == nullptr || !run->canPause()) return;
  if (run->isPaused())
    run->resume();
  else
    run->pause();
}

void MainWindow::stopTraining() {
  RunSource* run = activeRun();
  if (run == nullptr) return;
  // The epoch so far is kept as a partial checkpoint that resumes at the next batch.
  if (runCanSave()) {
    run->stopAndSave();
    showStopping(tr("Stopping after the current batch and saving the epoch so far…"));
  } else {
    run->stop();
    showStopping(tr("Stopping after the current batch…"));
  }
}

void MainWindow::showStopping(const QString& status) {
  m_runBar->stopAsked();
  m_views->progressView()->showStopping(status);
}

void MainWindow::saveCheckpointNow() {
  if (!runCanSave()) return;
  activeRun()->requestSave();
  statusBar()->showMessage(tr("A checkpoint will be saved at the end of this epoch"), 5000);
}

void MainWindow::applyLearningRate(double rate) {
  RunSource* run = activeRun();
  if (run == nullptr || !run->canSetLr()) return;
  // The run logs "Learning rate set to ..." when it takes the new rate.
  run->setLearningRate(rate);
}

void MainWindow::changeEvent(QEvent* event) {
  QMainWindow::changeEvent(event);
  if (event->type() == QEvent::ActivationChange && isActiveWindow() && !isTraining()) experiment()->checkStart();
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!m_closeGuard->mayClose(activeRun(), runCanSave())) {
    event->ignore();
    return;
  }
  WindowSession::save(*this, experiment()->args(), *m_runBar);
  // A runner process ends with the window, its runs left to resume when the queue runs again.
  m_workspace->driver()->windowClosed();
  QMainWindow::closeEvent(event);
}

void MainWindow::restoreSession(bool withForm) {
  QString error;
  const std::optional<fitbench::FitArgs> last = WindowSession::restore(*this, *m_runBar, &error);
  if (withForm && last) setArgs(*last);
  if (withForm && !error.isEmpty())
    statusBar()->showMessage(tr("The last experiment was not restored: %1").arg(error), 10000);
}

MainWindow::CloseChoice MainWindow::askCloseDuringRun(bool canSave) {
  const RunSource* run = activeRun();
  return RunQuestions::askClose(this, {.canSave = canSave,
                                       .savesOnlyAtEpochEnds = run != nullptr && !run->canSave(),
                                       .paused = run != nullptr && run->isPaused(),
                                       .epoch = m_views->progressView()->epochInProgress(),
                                       .numEpochs = m_views->progressView()->numEpochs(),
                                       .modelPrefix = m_config.model_prefix});
}

void MainWindow::updateButtons() {
  // Start is off while the form holds an invalid value or names a file that
  // is not there; both are marked on their fields.
  const QStringList problems = argsForm()->errors() + argsForm()->startProblems();
  m_runBar->setState(RunBarState::of({problems, m_runBar->processes(), startsProcesses(), m_runBar->hostfile(),
                                      hostfileProblem(), activeRun(), !m_config.model_prefix.empty()}));
  // A refusal of Start the form no longer has a reason for.
  if (problems.isEmpty() && !m_cannotStart.isEmpty() && statusBar()->currentMessage() == m_cannotStart)
    statusBar()->clearMessage();
  const bool running = isTraining();
  m_docks->setRunInProgress(running);
  lrEditor()->setReadOnly(running);
}

void MainWindow::onRunStarted(const fitbench::RunInfo& info) {
  m_runDir = QDir(QString::fromStdString(info.run_dir)).absolutePath();
  m_recentRuns->add(m_runDir);
  m_views->startRun(info);
  // Resumed where it ran before: its curves go on from their earlier part.
  if (m_config.load_epoch) trainingCharts()->continueRun(m_runDir);
  // The parent a branch was drawn over belongs to that branch, not to the runs after it.
  if (!m_branchOverlay.isEmpty() && m_branchOverlay != m_overlayOnStart)
    trainingCharts()->removeOverlay(m_branchOverlay);
  m_branchOverlay.clear();
  if (!m_overlayOnStart.isEmpty()) {
    const QString error = trainingCharts()->addOverlay(m_overlayOnStart);
    if (error.isEmpty())
      m_branchOverlay = m_overlayOnStart;
    else
      statusBar()->showMessage(error, 10000);
    m_overlayOnStart.clear();
  }
  const QString prefix = QString::fromStdString(m_config.model_prefix);
  if (!prefix.isEmpty()) checkpointBrowser()->setDirectory(QFileInfo(prefix).absolutePath());
}

void MainWindow::onFinished(const fitbench::FinishInfo& info) {
  checkMemory();
  m_overlayOnStart.clear();  // a branch that failed to start draws nothing
  m_views->finishRun(info);
  updateButtons();
  if (m_closeGuard->runFinished(info)) {
    close();
    return;
  }
  m_workspace->driver()->runFinished(info);
}

QList<MainWindow::View> MainWindow::views() const {
  const auto showTab = [this](QWidget* tab) { return [this, tab] { m_views->showTab(tab); }; };
  const auto raise = [](QDockWidget* dock) { return [dock] { dock->raise(); }; };  // a tab among the docks
  return {
      {QStringLiteral("main-window"), const_cast<MainWindow*>(this), showTab(trainingCharts())},
      {QStringLiteral("training-charts"), trainingCharts(), showTab(trainingCharts())},
      {QStringLiteral("learning-rate"), lrEditor(), showTab(lrEditor())},
      {QStringLiteral("monitor"), monitorView(), showTab(monitorView())},
      {QStringLiteral("experiment"), m_docks->experimentDock(), raise(m_docks->experimentDock())},
      {QStringLiteral("checkpoints"), m_docks->checkpointDock(), raise(m_docks->checkpointDock())},
      {QStringLiteral("devices"), m_docks->devicesDock(), raise(m_docks->devicesDock())},
      {QStringLiteral("runs"), m_workspace->runsView(), showTab(m_workspace->runsView())},
      {QStringLiteral("queue"), m_workspace->queueDock(), raise(m_workspace->queueDock())},
      {QStringLiteral("log"), m_views->log(), {}},
  };
}
