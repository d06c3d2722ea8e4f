#include "MainWindow.h"

#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QIcon>
#include <QImageReader>
#include <QMessageBox>
#include <QScrollArea>
#include <QStatusBar>
#include <QTimer>

#include <exception>
#include <optional>
#include <string>

#include "ArgsForm.h"
#include "CheckpointBrowser.h"
#include "ExperimentIo.h"
#include "ExperimentPanel.h"
#include "GpuPicker.h"
#include "LrScheduleEditor.h"
#include "MainMenus.h"
#include "MemoryEstimateLabel.h"
#include "MonitorView.h"
#include "NonFiniteBanner.h"
#include "ProcessTrainer.h"
#include "RecentRuns.h"
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

// Q_INIT_RESOURCE must be used outside any namespace; the resources live in
// this static library, so the application has to ask for them.
static void initFitbenchResources() { Q_INIT_RESOURCE(resources); }

namespace {

constexpr QSize kDefaultSize(1280, 800);
constexpr int kDockWidth = 380;  // the experiment form without a horizontal scroll bar

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
  for (RunSource* source : runSources()) {
    connect(source, &RunSource::runStarted, this, &MainWindow::onRunStarted);
    connect(source, &RunSource::batchEnded, m_views, &RunViews::addBatch);
    connect(source, &RunSource::epochEnded, m_views, &RunViews::addEpoch);
    connect(source, &RunSource::logLine, m_views->log(), &RunLogView::addLine);
    connect(source, &RunSource::finished, this, &MainWindow::onFinished);
    connect(source, &RunSource::checkpointSaved, m_checkpointBrowser, &CheckpointBrowser::refresh);
    // The epoch's record comes after its checkpoint: the newest row's accuracies are read then.
    connect(source, &RunSource::epochEnded, m_checkpointBrowser->model(),
            &CheckpointModel::refreshAccuracies);
  }
  connect(m_controller, &TrainerController::pausedChanged, this, &MainWindow::updateButtons);
  connect(m_controller, &TrainerController::pausedChanged, m_views->progressView(), &RunProgressView::showPaused);
  connect(m_views, &RunViews::learningRateShown, m_runBar, &RunControlBar::followLearningRate);
  // The banner offers a tenth of --lr.
  connect(m_controller, &TrainerController::nonFiniteFound, this,
          [this](const fitbench::NonFiniteEvent& event) { m_views->showNonFinite(event, m_config.lr); });
  connect(m_controller, &TrainerController::monitorSampled, monitorView(), &MonitorView::addSnapshot);
  connect(m_processTrainer, &ProcessTrainer::rankBatchEnded, trainingCharts(), &TrainingCharts::addRankBatch);
  connect(argsForm(), &ArgsForm::errorsChanged, this, &MainWindow::updateButtons);
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

bool MainWindow::startsProcesses() const {
  return m_processesUnavailable.isEmpty() && fitbench::is_distributed_kvstore(m_config.kv_store);
}

ArgsForm* MainWindow::argsForm() const { return m_experiment->form(); }

LrScheduleEditor* MainWindow::lrEditor() const { return m_views->lrEditor(); }

TrainingCharts* MainWindow::trainingCharts() const { return m_views->charts(); }

MonitorView* MainWindow::monitorView() const { return m_views->monitorView(); }

void MainWindow::buildUi() {
  // The docks can share an area as tabs or side by side, so the window fits small screens.
  setDockOptions(AnimatedDocks | AllowNestedDocks | AllowTabbedDocks);
  buildRunToolBar();

  m_views = new RunViews(this);
  NonFiniteBanner* banner = m_views->nonFiniteBanner();
  connect(banner, &NonFiniteBanner::resumeRequested, this, [this](double lr) {
    m_controller->setLearningRate(lr);
    m_runBar->setLearningRate(lr);
    m_controller->resume();
  });
  connect(banner, &NonFiniteBanner::stopRequested, m_controller, &TrainerController::stop);
  // Resumed from the tool bar instead: the banner's question is answered.
  connect(m_controller, &TrainerController::pausedChanged, banner, [banner](bool paused) {
    if (!paused) banner->hide();
  });
  setCentralWidget(m_views);
  buildExperimentDock();
  buildCheckpointDock();
  buildDevicesDock();
  buildWorkspace();
  buildMenus();
  resize(kDefaultSize);
  arrangeDocks();
}

// The form, the checkpoints and the devices are tabs on the left, so the
// charts beside them keep the most room (in a 1280 px window a column of
// checkpoints on the right left the charts 430 px). Any can be dragged elsewhere.
void MainWindow::arrangeDocks() {
  addDockWidget(Qt::LeftDockWidgetArea, m_experimentDock);
  tabifyDockWidget(m_experimentDock, m_checkpointDock);
  tabifyDockWidget(m_checkpointDock, m_devicesDock);
  tabifyDockWidget(m_devicesDock, m_workspace->queueDock());
  m_experimentDock->raise();
  resizeDocks({m_experimentDock}, {kDockWidth}, Qt::Horizontal);
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
  connect(m_runBar, &RunControlBar::processesChanged, this, &MainWindow::updateButtons);
  connect(m_runBar, &RunControlBar::processesChanged, this, &MainWindow::checkMemory);
}

void MainWindow::buildExperimentDock() {
  m_experiment = new ExperimentPanel;
  m_experimentDock = new QDockWidget(tr("Experiment"), this);
  m_experimentDock->setObjectName(QStringLiteral("experimentDock"));
  m_experimentDock->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea);
  m_experimentDock->setWidget(m_experiment);
  connect(m_experiment, &ExperimentPanel::argsChanged, this, &MainWindow::onArgsChanged);
  // statusBar() adds the bar, which takes room: not before there is something to say.
  connect(m_experiment, &ExperimentPanel::statusMessage, this,
          [this](const QString& message, int timeoutMs) { statusBar()->showMessage(message, timeoutMs); });
}

// The saved epochs of the current run's --model-prefix directory: load their
// arguments into the form, resume from one, or branch a new run from one.
void MainWindow::buildCheckpointDock() {
  m_checkpointBrowser = new CheckpointBrowser;
  m_checkpointBrowser->setObjectName(QStringLiteral("checkpointBrowser"));
  m_checkpointDock = new QDockWidget(tr("Checkpoints"), this);
  m_checkpointDock->setObjectName(QStringLiteral("checkpointDock"));
  // The browser stacks a table, tabs and buttons: on a small screen the dock scrolls.
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setWidget(m_checkpointBrowser);
  m_checkpointDock->setWidget(scroll);
  connect(m_checkpointBrowser, &CheckpointBrowser::argumentsRequested, this,
          [this](const fitbench::FitArgs& a) {
            if (!isTraining()) setArgs(a);
          });
  connect(m_checkpointBrowser, &CheckpointBrowser::resumeRequested, this, [this](const fitbench::FitArgs& a) {
    if (isTraining()) return;
    setArgs(a);
    startTraining();
  });
  // A branch trains from the checkpoint under a new prefix, drawn over the original run's curves.
  connect(m_checkpointBrowser, &CheckpointBrowser::branchRequested, this,
          [this](const fitbench::FitArgs& a, const QString& originalRunDir) {
            if (isTraining()) return;
            setArgs(a);
            m_overlayOnStart = originalRunDir;
            startTraining();
          });
}

// The CPU and the GPUs a run may use; the checks write --gpus into the form.
void MainWindow::buildDevicesDock() {
  m_gpuPicker = new GpuPicker;
  m_gpuPicker->setObjectName(QStringLiteral("gpuPicker"));
  m_devicesDock = new QDockWidget(tr("Devices"), this);
  m_devicesDock->setObjectName(QStringLiteral("devicesDock"));
  m_devicesDock->setWidget(m_gpuPicker);
  // setSelectedGpus() emits nothing for an unchanged value, so form and picker do not loop.
  connect(m_gpuPicker, &GpuPicker::gpusChanged, this, [this](const QString& gpus) {
    if (isTraining()) return;
    fitbench::FitArgs args = m_experiment->args();
    if (gpus.isEmpty())
      args.unset("gpus");
    else
      args.set("gpus", gpus.toStdString());
    setArgs(args);
  });
}

// Every run of the workspace folder in a "Runs" tab, and the queue of runs to
// train after one another in a "Queue" dock, started through startTraining().
void MainWindow::buildWorkspace() {
  const auto startQueued = [this](const fitbench::FitArgs& a) {
    setArgs(a);
    startTraining();
    return isTraining();
  };
  m_workspace = new WorkspacePanels(
      this, {{[this] { return isTraining(); }, startQueued}, m_views, m_runBar, m_checkpointBrowser, m_checkpointDock,
             [this] { return m_experiment->args(); }, [this] { return m_runDir; }, [this] { return m_config; },
             [this](const QString& message) { statusBar()->showMessage(message, 10000); }});
  m_workspace->openWorkspace(WorkspacePanels::rememberedWorkspace());
  // A queue that ran when the window closed goes on, from the run it interrupted.
  QTimer::singleShot(0, m_workspace->driver(), &QueueDriver::startNext);
}

void MainWindow::buildMenus() {
  m_recentRuns = new RecentRuns(this);
  connect(m_recentRuns, &RecentRuns::openRequested, this, [this](const QString& folder) {
    const QString error = openRunFolder(folder);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Open run folder"), error);
  });
  MainMenus::build(this, {m_experiment,
                          m_recentRuns,
                          {m_experimentDock->toggleViewAction(), m_checkpointDock->toggleViewAction(),
                           m_devicesDock->toggleViewAction(), m_workspace->queueDock()->toggleViewAction(),
                           m_runBar->toggleViewAction()},
                          m_runBar->menuActions(),
                          trainingCharts()->actions()});
}

QString MainWindow::openRunFolder(const QString& folder) {
  const QString runDir = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
  QString error;
  const std::optional<fitbench::FitArgs> args = ExperimentIo::loadRunFolder(runDir, &error);
  if (!args) return error;
  m_checkpointBrowser->setDirectory(
      CheckpointBrowser::checkpointDirectory(runDir, fitbench::FitConfig::resolve(*args)));
  m_checkpointDock->raise();
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

QString MainWindow::openExperiment(const QString& path) { return m_experiment->openExperiment(path); }

QString MainWindow::saveExperiment(const QString& path) const { return m_experiment->saveExperiment(path); }

QString MainWindow::pasteCommandLine(const QString& line) { return m_experiment->pasteCommandLine(line); }

QString MainWindow::copyCommandLine() const { return m_experiment->copyCommandLine(); }

bool MainWindow::applyPreset(const QString& name) { return m_experiment->applyPreset(name); }

void MainWindow::setArgs(const fitbench::FitArgs& args) { m_experiment->setArgs(args); }

void MainWindow::onArgsChanged() {
  m_args = m_experiment->args();
  m_config = fitbench::FitConfig::resolve(m_args);
  const std::string network = m_config.network;
  setWindowTitle(network.empty() ? tr("fitbench") : tr("fitbench — %1").arg(QString::fromStdString(network)));
  lrEditor()->setArgs(m_args);
  m_gpuPicker->setSelectedGpus(QString::fromStdString(m_config.gpus));
  // The last run's charts stay until the next run starts.
  if (!isTraining()) m_runBar->setLearningRate(m_config.lr);
  updateButtons();  // the kv-store decides whether Processes fits
  checkMemory();
}

// A run in progress holds memory of its own: the check waits for it to end.
void MainWindow::checkMemory() {
  if (!isTraining()) m_runBar->memoryLabel()->setConfig(m_config, startsProcesses() ? m_runBar->processes() : 1);
}

void MainWindow::startTraining() {
  if (isTraining() || !argsForm()->isValid()) return;
  // Files may have come or gone since the form last looked.
  if (const QStringList problems = m_experiment->checkStart(); !problems.isEmpty()) {
    statusBar()->showMessage(tr("Cannot start: %1").arg(problems.join(QStringLiteral("; "))), 15000);
    m_experimentDock->raise();
    return;
  }
  if (!confirmOverwrites()) {
    m_overlayOnStart.clear();
    return;
  }
  m_args = m_experiment->args();
  m_config = fitbench::FitConfig::resolve(m_args);
  // The last run's views stay until this one has started (onRunStarted): a
  // Start that fails keeps them.
  m_views->prepareRun(m_config);
  m_runBar->setLearningRate(m_config.lr);
  if (startsProcesses()) {
    // The trainer logs the whole mpirun command line.
    m_processTrainer->start(m_args, m_runBar->processes());
  } else {
    m_views->log()->addLine(tr("Starting: %1").arg(ExperimentIo::commandLine(m_args)));
    m_controller->start(m_args);
  }
  updateButtons();
}

bool MainWindow::confirmOverwrites() {
  std::optional<RunQuestions::Overwrite> overwrite;
  try {
    overwrite = RunQuestions::overwriteOf(m_experiment->args());
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Start"),
                         tr("Cannot choose a new prefix: %1").arg(QString::fromUtf8(e.what())));
    return false;
  }
  if (!overwrite) return true;
  switch (askOverwrite(overwrite->files, overwrite->branchPrefix)) {
    case OverwriteChoice::Branch:
      setArgs(overwrite->branch);
      statusBar()->showMessage(tr("The run saves under %1").arg(overwrite->branchPrefix), 10000);
      return true;
    case OverwriteChoice::Overwrite:
      return true;
    case OverwriteChoice::Cancel:
      break;
  }
  return false;
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
  if (run->canSave() && !m_config.model_prefix.empty()) {
    run->stopAndSave();
    m_views->progressView()->showStopping(tr("Stopping after the current batch and saving the epoch so far…"));
  } else {
    run->stop();
    m_views->progressView()->showStopping(tr("Stopping after the current batch…"));
  }
  m_runBar->stopAsked();
}

void MainWindow::saveCheckpointNow() {
  RunSource* run = activeRun();
  if (run == nullptr || !run->canSave() || m_config.model_prefix.empty()) return;
  run->requestSave();
  statusBar()->showMessage(tr("A checkpoint will be saved at the end of this epoch"), 5000);
}

void MainWindow::applyLearningRate(double rate) {
  RunSource* run = activeRun();
  if (run == nullptr || !run->canSetLr()) return;
  // The run logs "Learning rate set to ..." when it takes the new rate.
  run->setLearningRate(rate);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  // Closed again while a stop saves: the window goes, and its destructor
  // waits for the run's thread, which finishes the save first.
  if (!isTraining() || m_closeWhenStopped) {
    WindowSession::save(*this, m_experiment->args());
    QMainWindow::closeEvent(event);
    return;
  }
  RunSource* run = activeRun();
  const bool canSave = run->canSave() && !m_config.model_prefix.empty();
  const CloseChoice choice = askCloseDuringRun(canSave);
  if (choice == CloseChoice::KeepTraining) {
    event->ignore();
    return;
  }
  // The run may have ended while the question was open; then there is nothing to stop.
  if (choice == CloseChoice::StopAndSave && canSave && isTraining()) {
    // onFinished() closes the window once the checkpoint is on disk; the
    // event loop runs meanwhile, so the window stays responsive.
    event->ignore();
    m_closeWhenStopped = true;
    m_workspace->driver()->setWindowClosing(true);
    run->stopAndSave();
    m_runBar->stopAsked();
    m_views->progressView()->showStopping(
        tr("Saving a checkpoint of the weights so far; the window closes when it is written…"));
    setCursor(Qt::BusyCursor);
    return;
  }
  // The destructor waits for the thread; ask it to end now so that is short.
  m_workspace->driver()->setWindowClosing(true);
  run->stop();
  WindowSession::save(*this, m_experiment->args());
  QMainWindow::closeEvent(event);
}

void MainWindow::restoreSession(bool withForm) {
  QString error;
  const std::optional<fitbench::FitArgs> last = WindowSession::restore(*this, &error);
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
  const bool running = isTraining();
  const bool valid = argsForm()->isValid();
  // Several processes only make sense with a store whose workers cooperate.
  const int processes = m_runBar->processes();
  RunControlBar::State state;
  state.running = running;
  if (!valid)
    state.cannotStart =
        tr("Fix the invalid arguments first: %1").arg(argsForm()->errors().join(QLatin1Char('\n')));
  else if (processes > 1 && !startsProcesses())
    state.cannotStart = tr("%1 processes need a dist_* kv-store (dist_sync, dist_device_sync or dist_async): "
                           "choose one, or set Processes to 1")
                            .arg(processes);
  state.startTip = startsProcesses() ? tr("Runs %n worker process(es) under mpirun", nullptr, processes) : QString();
  const RunSource* run = activeRun();
  state.canPause = run != nullptr && run->canPause();
  state.canSetLr = run != nullptr && run->canSetLr();
  state.canSave = run != nullptr && run->canSave() && !m_config.model_prefix.empty();
  state.paused = run != nullptr && run->isPaused();
  state.noCommandTip = tr("A run of worker processes cannot take this command: fitbench-cli under mpirun only "
                          "listens for Stop (an interrupt)");
  state.saveTip = run != nullptr && !run->canSave() ? state.noCommandTip
                  : m_config.model_prefix.empty()
                      ? tr("The run has no --model-prefix, so it saves no checkpoints")
                      : tr("Save a checkpoint at the end of the current epoch (a stop before then saves the "
                           "epoch so far)");
  m_runBar->setState(state);
  m_experiment->setRunInProgress(running);
  lrEditor()->setReadOnly(running);
  m_gpuPicker->setEnabled(!running);
  m_checkpointBrowser->setRunInProgress(running);
}

void MainWindow::onRunStarted(const fitbench::RunInfo& info) {
  m_runDir = QDir(QString::fromStdString(info.run_dir)).absolutePath();
  m_recentRuns->add(m_runDir);
  m_views->startRun(info);
  if (!m_overlayOnStart.isEmpty()) {
    const QString error = trainingCharts()->addOverlay(m_overlayOnStart);
    if (!error.isEmpty()) statusBar()->showMessage(error, 10000);
    m_overlayOnStart.clear();
  }
  const QString prefix = QString::fromStdString(m_config.model_prefix);
  if (!prefix.isEmpty()) m_checkpointBrowser->setDirectory(QFileInfo(prefix).absolutePath());
}

void MainWindow::onFinished(const fitbench::FinishInfo& info) {
  checkMemory();
  m_overlayOnStart.clear();  // a branch that failed to start draws nothing
  m_views->finishRun(info);
  updateButtons();
  if (!info.error.empty()) {
    // Not modal: a run that fails while nobody watches must not block the window.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Training failed"),
                                QString::fromStdString(info.error), QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("trainingErrorBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
  }
  if (m_closeWhenStopped) {
    m_closeWhenStopped = false;
    unsetCursor();
    // A run that failed (its save, say) keeps the window open on its message.
    if (info.error.empty()) {
      close();
      return;
    }
    m_workspace->driver()->setWindowClosing(false);
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
      {QStringLiteral("experiment"), m_experimentDock, raise(m_experimentDock)},
      {QStringLiteral("checkpoints"), m_checkpointDock, raise(m_checkpointDock)},
      {QStringLiteral("devices"), m_devicesDock, raise(m_devicesDock)},
      {QStringLiteral("runs"), m_workspace->runsView(), showTab(m_workspace->runsView())},
      {QStringLiteral("queue"), m_workspace->queueDock(), raise(m_workspace->queueDock())},
      {QStringLiteral("log"), m_views->log(), {}},
  };
}
