#include "MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QIcon>
#include <QImageReader>
#include <QInputDialog>
#include <QKeySequence>
#include <QLabel>
#include <QLineSeries>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <string>
#include <vector>

#include "ArgsForm.h"
#include "CheckpointBrowser.h"
#include "ExperimentIo.h"
#include "ExperimentPresets.h"
#include "LrScheduleEditor.h"
#include "TrainerController.h"
#include "fitbench/fit.h"

// Q_INIT_RESOURCE must be used outside any namespace; the resources live in
// this static library, so the application has to ask for them.
static void initFitbenchResources() { Q_INIT_RESOURCE(resources); }

namespace {

constexpr int kFlushIntervalMs = 40;
constexpr int kMaxLogLines = 10000;

QIcon fitbenchIcon() {
  QIcon icon;
  if (QImageReader::supportedImageFormats().contains("svg"))
    icon.addFile(QStringLiteral(":/icons/fitbench.svg"));
  icon.addFile(QStringLiteral(":/icons/fitbench-256.png"));
  return icon;
}

// The value of `name` in a metric list, if present.
bool findMetric(const fitbench::NameValues& values, const std::string& name, double* out) {
  for (const auto& [key, value] : values) {
    if (key == name) {
      *out = value;
      return true;
    }
  }
  return false;
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
    : QMainWindow(parent), m_args(args), m_controller(new TrainerController(this)) {
  initFitbenchResources();
  setWindowIcon(fitbenchIcon());
  buildUi();
  setArgs(args);

  connect(m_controller, &TrainerController::runStarted, this, &MainWindow::onRunStarted);
  connect(m_controller, &TrainerController::batchEnded, this, &MainWindow::onBatchEnded);
  connect(m_controller, &TrainerController::epochEnded, this, &MainWindow::onEpochEnded);
  connect(m_controller, &TrainerController::logLine, this, &MainWindow::onLogLine);
  connect(m_controller, &TrainerController::finished, this, &MainWindow::onFinished);
  connect(m_controller, &TrainerController::pausedChanged, this, &MainWindow::updateButtons);
  connect(m_form, &ArgsForm::argsChanged, this, &MainWindow::onFormArgsChanged);
  connect(m_form, &ArgsForm::errorsChanged, this, &MainWindow::updateButtons);
  // The form echoes the edit back through argsChanged(); the editor ignores
  // arguments it already shows, so that ends there.
  connect(m_lrEditor, &LrScheduleEditor::argsEdited, this, [this](const fitbench::FitArgs& edited) {
    if (!m_controller->isRunning()) setArgs(edited);
  });

  m_flushTimer = new QTimer(this);
  m_flushTimer->setInterval(kFlushIntervalMs);
  connect(m_flushTimer, &QTimer::timeout, this, &MainWindow::flushPending);

  updateButtons();
}

MainWindow::~MainWindow() {
  // The run's late signals must not reach a half-destroyed window.
  m_controller->disconnect(this);
  m_controller->stopAndWait();
}

void MainWindow::buildUi() {
  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);

  auto* buttons = new QHBoxLayout;
  m_startButton = new QPushButton(tr("Start"), central);
  m_startButton->setObjectName(QStringLiteral("startButton"));
  m_pauseButton = new QPushButton(tr("Pause"), central);
  m_pauseButton->setObjectName(QStringLiteral("pauseButton"));
  m_stopButton = new QPushButton(tr("Stop"), central);
  m_stopButton->setObjectName(QStringLiteral("stopButton"));
  connect(m_startButton, &QPushButton::clicked, this, &MainWindow::startTraining);
  connect(m_pauseButton, &QPushButton::clicked, this, &MainWindow::togglePause);
  connect(m_stopButton, &QPushButton::clicked, this, &MainWindow::stopTraining);
  buttons->addWidget(m_startButton);
  buttons->addWidget(m_pauseButton);
  buttons->addWidget(m_stopButton);
  buttons->addStretch(1);
  layout->addLayout(buttons);

  m_progress = new QProgressBar(central);
  m_progress->setObjectName(QStringLiteral("batchProgress"));
  m_progress->setRange(0, 1);
  m_progress->setValue(0);
  m_progress->setFormat(tr("batch %v / %m"));
  layout->addWidget(m_progress);

  m_statusLabel = new QLabel(tr("Ready"), central);
  m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
  m_statusLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(m_statusLabel);

  auto* chart = new QChart;
  chart->setTitle(tr("Training"));
  chart->legend()->setAlignment(Qt::AlignBottom);
  m_lossSeries = new QLineSeries(chart);
  m_lossSeries->setName(tr("loss per batch"));
  m_valAccSeries = new QLineSeries(chart);
  m_valAccSeries->setName(tr("validation accuracy"));
  m_valAccSeries->setPointsVisible(true);
  chart->addSeries(m_lossSeries);
  chart->addSeries(m_valAccSeries);

  m_axisEpoch = new QValueAxis(chart);
  m_axisEpoch->setTitleText(tr("epoch"));
  m_axisEpoch->setLabelFormat(QStringLiteral("%.1f"));
  m_axisLoss = new QValueAxis(chart);
  m_axisLoss->setTitleText(tr("loss"));
  m_axisAccuracy = new QValueAxis(chart);
  m_axisAccuracy->setTitleText(tr("accuracy"));
  m_axisAccuracy->setRange(0.0, 1.0);
  chart->addAxis(m_axisEpoch, Qt::AlignBottom);
  chart->addAxis(m_axisLoss, Qt::AlignLeft);
  chart->addAxis(m_axisAccuracy, Qt::AlignRight);
  m_lossSeries->attachAxis(m_axisEpoch);
  m_lossSeries->attachAxis(m_axisLoss);
  m_valAccSeries->attachAxis(m_axisEpoch);
  m_valAccSeries->attachAxis(m_axisAccuracy);

  m_chartView = new QChartView(chart);
  m_chartView->setObjectName(QStringLiteral("chartView"));
  m_chartView->setRenderHint(QPainter::Antialiasing);
  m_chartView->setMinimumHeight(240);

  m_lrEditor = new LrScheduleEditor;
  m_lrEditor->setObjectName(QStringLiteral("lrScheduleEditor"));
  m_chartTabs = new QTabWidget(central);
  m_chartTabs->setObjectName(QStringLiteral("chartTabs"));
  m_chartTabs->addTab(m_chartView, tr("Training"));
  m_chartTabs->addTab(m_lrEditor, tr("Learning rate"));

  m_log = new QPlainTextEdit;
  m_log->setObjectName(QStringLiteral("logView"));
  m_log->setReadOnly(true);
  m_log->setMaximumBlockCount(kMaxLogLines);
  m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
  m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

  auto* splitter = new QSplitter(Qt::Vertical, central);
  splitter->addWidget(m_chartTabs);
  splitter->addWidget(m_log);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  layout->addWidget(splitter, 1);

  setCentralWidget(central);
  buildExperimentPanel();
  buildCheckpointDock();
  buildMenus();
  resize(1280, 800);
}

void MainWindow::buildExperimentPanel() {
  auto* panel = new QWidget;
  auto* layout = new QVBoxLayout(panel);

  auto* presetRow = new QHBoxLayout;
  auto* presetLabel = new QLabel(tr("&Preset:"), panel);
  m_presetCombo = new QComboBox(panel);
  m_presetCombo->setObjectName(QStringLiteral("presetCombo"));
  m_presetCombo->addItem(tr("(custom)"));
  m_presetCombo->setItemData(0, tr("The arguments match no preset"), Qt::ToolTipRole);
  for (const ExperimentPresets::Preset& preset : ExperimentPresets::all()) {
    m_presetCombo->addItem(preset.name);
    m_presetCombo->setItemData(m_presetCombo->count() - 1, preset.description, Qt::ToolTipRole);
  }
  presetLabel->setBuddy(m_presetCombo);
  connect(m_presetCombo, &QComboBox::activated, this, [this](int index) {
    if (index > 0) applyPreset(m_presetCombo->itemText(index));
  });
  presetRow->addWidget(presetLabel);
  presetRow->addWidget(m_presetCombo, 1);
  layout->addLayout(presetRow);

  m_presetDescription = new QLabel(panel);
  m_presetDescription->setObjectName(QStringLiteral("presetDescription"));
  m_presetDescription->setWordWrap(true);
  m_presetDescription->setTextFormat(Qt::PlainText);
  QFont small = m_presetDescription->font();
  small.setPointSizeF(small.pointSizeF() * 0.9);
  m_presetDescription->setFont(small);
  m_presetDescription->hide();
  layout->addWidget(m_presetDescription);

  m_form = new ArgsForm(panel);
  layout->addWidget(m_form, 1);

  m_experimentDock = new QDockWidget(tr("Experiment"), this);
  m_experimentDock->setObjectName(QStringLiteral("experimentDock"));
  m_experimentDock->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea);
  m_experimentDock->setWidget(panel);
  panel->setMinimumWidth(420);
  addDockWidget(Qt::LeftDockWidgetArea, m_experimentDock);
}

// The saved epochs of the current run's --model-prefix directory: load their
// arguments into the form or resume from one.
void MainWindow::buildCheckpointDock() {
  m_checkpointBrowser = new CheckpointBrowser;
  m_checkpointBrowser->setObjectName(QStringLiteral("checkpointBrowser"));
  m_checkpointDock = new QDockWidget(tr("Checkpoints"), this);
  m_checkpointDock->setObjectName(QStringLiteral("checkpointDock"));
  m_checkpointDock->setWidget(m_checkpointBrowser);
  addDockWidget(Qt::RightDockWidgetArea, m_checkpointDock);
  connect(m_checkpointBrowser, &CheckpointBrowser::argumentsRequested, this, [this](const fitbench::FitArgs& a) {
    if (!m_controller->isRunning()) setArgs(a);
  });
  connect(m_checkpointBrowser, &CheckpointBrowser::resumeRequested, this, [this](const fitbench::FitArgs& a) {
    if (m_controller->isRunning()) return;
    setArgs(a);
    startTraining();
  });
  connect(m_controller, &TrainerController::checkpointSaved, m_checkpointBrowser, &CheckpointBrowser::refresh);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  m_openAction = file->addAction(tr("&Open experiment…"), this, &MainWindow::openExperimentDialog);
  m_openAction->setObjectName(QStringLiteral("openExperimentAction"));
  m_openAction->setShortcut(QKeySequence::Open);
  m_saveAction = file->addAction(tr("&Save experiment…"), this, &MainWindow::saveExperimentDialog);
  m_saveAction->setObjectName(QStringLiteral("saveExperimentAction"));
  m_saveAction->setShortcut(QKeySequence::Save);
  file->addSeparator();
  m_copyAction = file->addAction(tr("&Copy command line"), this, [this] {
    copyCommandLine();
    const QStringList unwritable = ExperimentIo::unwritableArgs(m_args);
    if (unwritable.isEmpty())
      statusBar()->showMessage(tr("Copied the fitbench-cli command line to the clipboard"), 5000);
    else
      statusBar()->showMessage(tr("Copied the command line; it cannot say None, so --%1 keep fitbench-cli's "
                                  "defaults")
                                   .arg(unwritable.join(QStringLiteral(", --"))),
                               10000);
  });
  m_copyAction->setObjectName(QStringLiteral("copyCommandLineAction"));
  m_copyAction->setShortcut(QKeySequence(tr("Ctrl+Shift+C")));
  m_pasteAction = file->addAction(tr("&Paste command line…"), this, &MainWindow::pasteCommandLineDialog);
  m_pasteAction->setObjectName(QStringLiteral("pasteCommandLineAction"));
  m_pasteAction->setShortcut(QKeySequence(tr("Ctrl+Shift+V")));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(m_experimentDock->toggleViewAction());
  view->addAction(m_checkpointDock->toggleViewAction());
}

QString MainWindow::openExperiment(const QString& path) {
  if (m_controller->isRunning()) return tr("Cannot open an experiment while training runs");
  QString error;
  const std::optional<fitbench::FitArgs> args = ExperimentIo::loadJson(path, &error);
  if (!args) return error;
  setArgs(*args);
  m_lastDir = QFileInfo(path).absolutePath();
  return {};
}

QString MainWindow::saveExperiment(const QString& path) const { return ExperimentIo::saveJson(path, m_args); }

QString MainWindow::pasteCommandLine(const QString& line) {
  if (m_controller->isRunning()) return tr("Cannot change the experiment while training runs");
  try {
    setArgs(ExperimentIo::parseCommandLine(line));
  } catch (const fitbench::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

QString MainWindow::copyCommandLine() const {
  const QString line = ExperimentIo::commandLine(m_args);
  QGuiApplication::clipboard()->setText(line);
  return line;
}

bool MainWindow::applyPreset(const QString& name) {
  const ExperimentPresets::Preset* preset = ExperimentPresets::find(name);
  if (preset == nullptr || m_controller->isRunning()) return false;
  setArgs(preset->args);
  return true;
}

void MainWindow::openExperimentDialog() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open experiment"), m_lastDir,
                                                    tr("Experiments (*.json);;All files (*)"));
  if (path.isEmpty()) return;
  const QString error = openExperiment(path);
  if (!error.isEmpty())
    QMessageBox::warning(this, tr("Open experiment"), error);
  else
    statusBar()->showMessage(tr("Opened %1").arg(QDir::toNativeSeparators(path)), 3000);
}

void MainWindow::saveExperimentDialog() {
  if (!m_form->isValid()) {
    const auto answer = QMessageBox::question(
        this, tr("Save experiment"),
        tr("%1\n\nSave the experiment with the last valid value of each invalid field?")
            .arg(m_form->errors().join(QLatin1Char('\n'))));
    if (answer != QMessageBox::Yes) return;
  }
  QString suggestion = m_lastDir.isEmpty() ? QDir::currentPath() : m_lastDir;
  const std::string network = m_args.get_string("network");
  suggestion += QLatin1Char('/') + (network.empty() ? tr("experiment") : QString::fromStdString(network)) +
                QStringLiteral(".json");
  QString path = QFileDialog::getSaveFileName(this, tr("Save experiment"), suggestion,
                                              tr("Experiments (*.json);;All files (*)"));
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".json");
  const QString error = saveExperiment(path);
  if (!error.isEmpty()) {
    QMessageBox::warning(this, tr("Save experiment"), error);
    return;
  }
  m_lastDir = QFileInfo(path).absolutePath();
  statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 3000);
}

void MainWindow::pasteCommandLineDialog() {
  bool ok = false;
  const QString line = QInputDialog::getMultiLineText(
      this, tr("Paste command line"),
      tr("A fit.py, train_mnist.py or fitbench-cli command line; it replaces the form's arguments:"),
      QGuiApplication::clipboard()->text(), &ok);
  if (!ok || line.trimmed().isEmpty()) return;
  const QString error = pasteCommandLine(line);
  if (!error.isEmpty()) QMessageBox::warning(this, tr("Paste command line"), error);
}

void MainWindow::setArgs(const fitbench::FitArgs& args) {
  m_form->setArgs(args);
  onFormArgsChanged();
}

void MainWindow::onFormArgsChanged() {
  m_args = m_form->args();
  const ExperimentPresets::Preset* preset = ExperimentPresets::matching(m_args);
  m_presetCombo->setCurrentIndex(preset == nullptr ? 0 : m_presetCombo->findText(preset->name));
  m_presetDescription->setText(preset == nullptr ? QString() : preset->description);
  m_presetDescription->setVisible(preset != nullptr);
  const std::string network = m_args.get_string("network");
  setWindowTitle(network.empty() ? tr("fitbench") : tr("fitbench — %1").arg(QString::fromStdString(network)));
  m_numEpochs = m_args.is_set("num-epochs") ? m_args.get_int("num-epochs") : 0;
  m_lrEditor->setArgs(m_args);
  if (!m_controller->isRunning()) resetChart(0.0, std::max(1, m_numEpochs));
}

void MainWindow::resetChart(double firstEpoch, double lastEpoch) {
  m_lossSeries->clear();
  m_valAccSeries->clear();
  m_pendingLoss.clear();
  m_pendingAccuracy.clear();
  m_maxLoss = 0.0;
  m_axisEpoch->setRange(firstEpoch, std::max(lastEpoch, firstEpoch + 1.0));
  m_axisLoss->setRange(0.0, 1.0);
}

void MainWindow::startTraining() {
  if (m_controller->isRunning() || !m_form->isValid()) return;
  m_args = m_form->args();
  resetChart(0.0, std::max(1, m_numEpochs));
  m_pendingLr.clear();
  m_lrEditor->clearActualLearningRate();
  m_haveBatch = false;
  m_progress->setRange(0, 1);
  m_progress->setValue(0);
  m_statusLabel->setText(tr("Starting…"));
  m_pendingLog << tr("Starting: %1").arg(ExperimentIo::commandLine(m_args));
  m_controller->start(m_args);
  m_flushTimer->start();
  updateButtons();
}

void MainWindow::togglePause() {
  if (!m_controller->isRunning()) return;
  if (m_controller->isPaused())
    m_controller->resume();
  else
    m_controller->pause();
}

void MainWindow::stopTraining() {
  if (!m_controller->isRunning()) return;
  m_controller->stop();
  m_statusLabel->setText(tr("Stopping after the current batch…"));
  m_stopButton->setEnabled(false);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  // The destructor waits for the thread; ask it to end now so that is short.
  m_controller->stop();
  QMainWindow::closeEvent(event);
}

void MainWindow::updateButtons() {
  const bool running = m_controller->isRunning();
  const bool valid = m_form->isValid();
  m_startButton->setEnabled(!running && valid);
  m_startButton->setToolTip(
      valid ? QString()
            : tr("Fix the invalid arguments first: %1").arg(m_form->errors().join(QLatin1Char('\n'))));
  m_form->setReadOnly(running);
  m_lrEditor->setReadOnly(running);
  m_presetCombo->setEnabled(!running);
  m_openAction->setEnabled(!running);
  m_pasteAction->setEnabled(!running);
  m_pauseButton->setEnabled(running);
  m_pauseButton->setText(running && m_controller->isPaused() ? tr("Resume") : tr("Pause"));
  m_stopButton->setEnabled(running);
}

void MainWindow::onRunStarted(const fitbench::RunInfo& info) {
  const QString prefix = QString::fromStdString(m_args.get_string("model-prefix"));
  if (!prefix.isEmpty()) m_checkpointBrowser->setDirectory(QFileInfo(prefix).absolutePath());
  m_numEpochs = info.num_epochs;
  resetChart(info.begin_epoch, info.num_epochs);
  m_progress->setRange(0, static_cast<int>(std::max<int64_t>(1, info.batches_per_epoch)));
  m_progress->setValue(0);
  m_statusLabel->setText(
      tr("Training %1 in %2")
          .arg(QString::fromStdString(info.network), QString::fromStdString(info.run_dir)));
}

void MainWindow::onBatchEnded(const fitbench::BatchStats& stats) {
  const double perEpoch = static_cast<double>(std::max<int64_t>(1, stats.batches_per_epoch));
  m_pendingLoss.append(QPointF(stats.epoch + static_cast<double>(stats.batch + 1) / perEpoch, stats.loss));
  // The rate this batch's update used; the editor's curve draws update u at
  // the start of its batch.
  m_pendingLr.append(QPointF(stats.epoch + static_cast<double>(stats.batch) / perEpoch, stats.learning_rate));
  m_lastBatch = stats;
  m_haveBatch = true;
}

void MainWindow::onEpochEnded(const fitbench::EpochStats& stats) {
  double accuracy = 0.0;
  if (findMetric(stats.validation, "accuracy", &accuracy))
    m_pendingAccuracy.append(QPointF(stats.epoch + 1, accuracy));
}

void MainWindow::onLogLine(const QString& line) { m_pendingLog.append(line); }

void MainWindow::onFinished(const fitbench::FinishInfo& info) {
  flushPending();
  m_flushTimer->stop();
  QString summary;
  if (!info.error.empty())
    summary = tr("Failed: %1").arg(QString::fromStdString(info.error));
  else if (info.stopped)
    summary = tr("Stopped after %n epoch(s)", nullptr, info.epochs_done);
  else
    summary = tr("Finished %n epoch(s)", nullptr, info.epochs_done);
  double accuracy = 0.0;
  if (info.error.empty() && findMetric(info.last_validation, "accuracy", &accuracy))
    summary += tr(" · validation accuracy %1").arg(accuracy, 0, 'f', 4);
  m_statusLabel->setText(summary);
  m_log->appendPlainText(summary);
  updateButtons();
}

void MainWindow::flushPending() {
  if (!m_pendingLoss.isEmpty()) {
    for (const QPointF& p : std::as_const(m_pendingLoss)) m_maxLoss = std::max(m_maxLoss, p.y());
    m_lossSeries->append(m_pendingLoss);
    m_pendingLoss.clear();
    m_axisLoss->setRange(0.0, m_maxLoss > 0.0 ? m_maxLoss * 1.05 : 1.0);
  }
  if (!m_pendingLr.isEmpty()) {
    m_lrEditor->addActualLearningRates(m_pendingLr);
    m_pendingLr.clear();
  }
  if (!m_pendingAccuracy.isEmpty()) {
    m_valAccSeries->append(m_pendingAccuracy);
    m_pendingAccuracy.clear();
  }
  if (!m_pendingLog.isEmpty()) {
    m_log->appendPlainText(m_pendingLog.join(QLatin1Char('\n')));
    m_pendingLog.clear();
  }
  if (m_haveBatch) {
    const fitbench::BatchStats& s = m_lastBatch;
    m_progress->setRange(0, static_cast<int>(std::max<int64_t>(1, s.batches_per_epoch)));
    m_progress->setValue(static_cast<int>(s.batch + 1));
    m_statusLabel->setText(tr("Epoch %1/%2 · %3 samples/s · lr %4")
                               .arg(s.epoch + 1)
                               .arg(m_numEpochs)
                               .arg(s.samples_per_sec, 0, 'f', 0)
                               .arg(s.learning_rate, 0, 'g', 4));
    m_haveBatch = false;
  }
}
