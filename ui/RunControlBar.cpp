#include "RunControlBar.h"

#include <QAction>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>

#include "MemoryEstimateLabel.h"

namespace {

QPushButton* button(const QString& text, const char* name, QWidget* parent) {
  auto* b = new QPushButton(text, parent);
  b->setObjectName(QString::fromLatin1(name));
  return b;
}

}  // namespace

RunControlBar::RunControlBar(const QString& processesUnavailable, QWidget* parent)
    : QToolBar(tr("Run"), parent), m_processesUnavailable(processesUnavailable) {
  setObjectName(QStringLiteral("runToolBar"));
  m_start = button(tr("Start"), "startButton", this);
  m_queue = button(tr("Add to queue"), "addToQueueButton", this);
  m_queue->setToolTip(tr("Queue the form's experiment in the Queue dock, to train after the runs before it"));
  m_memory = new MemoryEstimateLabel(this);
  m_pause = button(tr("Pause"), "pauseButton", this);
  m_stop = button(tr("Stop"), "stopButton", this);
  m_stop->setToolTip(tr("End the run after the current batch; with a --model-prefix the epoch so far is saved "
                        "as a partial checkpoint, which resumes at the next batch"));
  connect(m_start, &QPushButton::clicked, this, &RunControlBar::startRequested);
  connect(m_queue, &QPushButton::clicked, this, &RunControlBar::queueRequested);
  connect(m_pause, &QPushButton::clicked, this, &RunControlBar::pauseToggled);
  connect(m_stop, &QPushButton::clicked, this, &RunControlBar::stopRequested);

  // mpirun's -np, not a fit.py argument: it says how Start runs, so it sits by Start.
  auto* processesLabel = new QLabel(tr("P&rocesses:"), this);
  m_processes = new QSpinBox(this);
  m_processes->setObjectName(QStringLiteral("processesSpin"));
  m_processes->setRange(1, 256);
  m_processes->setToolTip(
      processesUnavailable.isEmpty()
          ? tr("Worker processes for a dist_* kv-store: Start runs mpirun -np <processes> "
               "fitbench-cli on this machine (or on the hostfile's machines) and shows rank "
               "0's curves, every rank's throughput and each rank's host")
          : processesUnavailable);
  processesLabel->setBuddy(m_processes);
  connect(m_processes, &QSpinBox::valueChanged, this, &RunControlBar::workersChanged);

  // mpirun's --hostfile, beside -np: where the processes run.
  auto* hostfileLabel = new QLabel(tr("Hos&tfile:"), this);
  m_hostfile = new QLineEdit(this);
  m_hostfile->setObjectName(QStringLiteral("hostfileEdit"));
  m_hostfile->setPlaceholderText(tr("this machine"));
  m_hostfile->setClearButtonEnabled(true);
  m_hostfile->setMaximumWidth(m_hostfile->fontMetrics().horizontalAdvance(QLatin1Char('x')) * 20);
  m_hostfile->setToolTip(
      processesUnavailable.isEmpty()
          ? tr("An OpenMPI hostfile (\"node1 slots=2\" a line): Start runs mpirun --hostfile <file> on the "
               "machines it lists. Each needs fitbench-cli, the data and the run's folder at the same paths, "
               "and ssh without a password from here (README: Several machines). Empty: this machine.")
          : processesUnavailable);
  hostfileLabel->setBuddy(m_hostfile);
  connect(m_hostfile, &QLineEdit::textChanged, this, &RunControlBar::workersChanged);
  m_browseHostfile = new QToolButton(this);
  m_browseHostfile->setObjectName(QStringLiteral("hostfileBrowse"));
  m_browseHostfile->setText(tr("…"));
  m_browseHostfile->setToolTip(tr("Choose a hostfile"));
  connect(m_browseHostfile, &QToolButton::clicked, this, &RunControlBar::chooseHostfile);

  m_save = button(tr("Save checkpoint"), "saveCheckpointButton", this);
  connect(m_save, &QPushButton::clicked, this, &RunControlBar::saveRequested);
  auto* lrLabel = new QLabel(tr("&lr:"), this);
  m_lr = new QDoubleSpinBox(this);
  m_lr->setObjectName(QStringLiteral("lrSpin"));
  // Any rate the form accepts, down to 1e-8 (a clamped value would be Set by mistake).
  m_lr->setDecimals(8);
  m_lr->setRange(0.0, 1e6);
  m_lr->setSingleStep(0.001);
  m_lr->setToolTip(tr("The running training's learning rate, as it goes; type another and Set lr to use it for "
                      "the next updates"));
  lrLabel->setBuddy(m_lr);
  m_setLr = button(tr("Set lr"), "setLrButton", this);
  connect(m_setLr, &QPushButton::clicked, this, [this] {
    m_lrEdited = false;  // applied: the box follows the run again
    emit learningRateRequested(m_lr->value());
  });
  // Only a person's edit gets here: the box's own updates are silent.
  connect(m_lr, &QDoubleSpinBox::valueChanged, this, [this] { m_lrEdited = true; });

  for (const auto& [button, shortcut] : {std::pair{m_start, QKeySequence(Qt::Key_F5)},
                                        std::pair{m_queue, QKeySequence(Qt::CTRL | Qt::Key_F5)},
                                        std::pair{m_pause, QKeySequence(Qt::Key_F6)},
                                        std::pair{m_stop, QKeySequence(Qt::SHIFT | Qt::Key_F5)},
                                        std::pair{m_save, QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)}}) {
    auto* action = new QAction(button->text(), this);
    action->setObjectName(button->objectName() + QStringLiteral("Action"));
    action->setShortcut(shortcut);
    connect(action, &QAction::triggered, button, &QPushButton::click);
    m_menuActions << action;
    m_menuButtons << button;
  }

  addWidget(m_start);
  addWidget(m_queue);
  addWidget(m_memory);
  addWidget(m_pause);
  addWidget(m_stop);
  addWidget(processesLabel);
  addWidget(m_processes);
  addWidget(hostfileLabel);
  addWidget(m_hostfile);
  addWidget(m_browseHostfile);
  addSeparator();
  addWidget(m_save);
  addSeparator();
  addWidget(lrLabel);
  addWidget(m_lr);
  addWidget(m_setLr);
  enableWorkers(true);
}

void RunControlBar::enableWorkers(bool enabled) {
  for (QWidget* control : std::initializer_list<QWidget*>{m_processes, m_hostfile, m_browseHostfile})
    control->setEnabled(enabled && m_processesUnavailable.isEmpty());
}

int RunControlBar::processes() const { return m_processes->value(); }

void RunControlBar::setProcesses(int processes) { m_processes->setValue(processes); }

QString RunControlBar::hostfile() const { return m_hostfile->text().trimmed(); }

void RunControlBar::setHostfile(const QString& hostfile) { m_hostfile->setText(hostfile); }

void RunControlBar::chooseHostfile() {
  const QString start = hostfile().isEmpty() ? QDir::homePath() : QFileInfo(hostfile()).absolutePath();
  const QString chosen = QFileDialog::getOpenFileName(this, tr("Choose a hostfile"), start);
  if (!chosen.isEmpty()) setHostfile(QDir::toNativeSeparators(chosen));
}

double RunControlBar::learningRate() const { return m_lr->value(); }

void RunControlBar::setLearningRate(double rate) {
  const QSignalBlocker quiet(m_lr);
  m_lr->setValue(rate);
  m_lrEdited = false;
}

void RunControlBar::followLearningRate(double rate) {
  if (!m_lrEdited) setLearningRate(rate);
}

void RunControlBar::setState(const State& state) {
  // Stop first: a clicked Start that turns off hands its focus to the next
  // enabled control, which should be Stop rather than the lr box.
  m_focusToStart = m_focusToStart || runCommandHasFocus();
  m_stop->setEnabled(state.running);
  m_start->setEnabled(!state.running && state.cannotStart.isEmpty());
  m_start->setToolTip(state.cannotStart.isEmpty() ? state.startTip : state.cannotStart);
  // While a run goes on, more can be queued behind it.
  m_queue->setEnabled(state.cannotStart.isEmpty());
  enableWorkers(!state.running);
  const QString commandTip = state.running ? state.noCommandTip : QString();
  m_pause->setEnabled(state.canPause);
  m_pause->setText(state.canPause && state.paused ? tr("Resume") : tr("Pause"));
  m_pause->setToolTip(state.canPause ? QString() : commandTip);
  m_setLr->setEnabled(state.canSetLr);
  m_setLr->setToolTip(state.canSetLr ? QString() : commandTip);
  m_save->setEnabled(state.canSave);
  m_save->setToolTip(state.saveTip);
  // A run ended with the focus on one of its commands: the focus goes back to
  // Start, not to the box after them, whose text a key would then replace.
  if (!state.running) {
    const QWidget* focus = window()->focusWidget();
    if (m_focusToStart && m_start->isEnabled() && (focus == nullptr || isAncestorOf(focus))) m_start->setFocus();
    m_focusToStart = false;
  }
  syncMenu();
}

bool RunControlBar::runCommandHasFocus() const {
  return m_stop->hasFocus() || m_pause->hasFocus() || m_setLr->hasFocus() || m_save->hasFocus();
}

void RunControlBar::stopAsked() {
  m_focusToStart = m_focusToStart || runCommandHasFocus();
  m_stop->setEnabled(false);
  syncMenu();
}

// The menu says what the buttons say.
void RunControlBar::syncMenu() {
  for (int i = 0; i < m_menuActions.size(); ++i) {
    m_menuActions[i]->setEnabled(m_menuButtons[i]->isEnabled());
    m_menuActions[i]->setText(m_menuButtons[i]->text());
  }
}
