// RunControlBar: the Run toolbar. Start and Add to queue, with the memory the form's run needs
// beside it; Pause / Resume and Stop; the worker processes a dist_* kv-store
// runs under mpirun, and the OpenMPI hostfile of the machines they run on
// (empty: this machine); Save checkpoint; and the learning rate of the running
// training. It shows and asks, nothing more: MainWindow decides what each
// request does and, through setState(), what may be asked now. As narrow as
// its first button: what does not fit goes into the extension menu (»).
#pragma once

#include <QString>
#include <QToolBar>

class MemoryEstimateLabel;
class QDoubleSpinBox;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QToolButton;

class RunControlBar : public QToolBar {
  Q_OBJECT

 public:
  // `processesUnavailable`: why worker processes are not offered; "" when they are.
  explicit RunControlBar(const QString& processesUnavailable, QWidget* parent = nullptr);

  MemoryEstimateLabel* memoryLabel() const { return m_memory; }
  // The Run menu's actions, with their shortcuts (Start F5, Pause/Resume F6,
  // Stop Shift+F5, ...): each presses its button, so it is off when the button is.
  QList<QAction*> menuActions() const { return m_menuActions; }
  int processes() const;
  void setProcesses(int processes);
  // The hostfile as typed or chosen; "" for this machine.
  QString hostfile() const;
  void setHostfile(const QString& hostfile);
  double learningRate() const;
  void setLearningRate(double rate);
  // The run's rate now: shown unless the person has edited the box since the
  // last Set lr (then the edit waits there to be applied).
  void followLearningRate(double rate);

  // What may be asked now.
  struct State {
    bool running = false;    // a run goes on: Stop, not Start
    QString cannotStart;     // why Start is off although nothing runs; "" when it may start
    QString startTip;        // Start's tooltip when it may start
    // What the running run takes (RunSource::canPause, ...), and why not.
    bool canPause = false;
    bool canSave = false;
    bool canSetLr = false;
    QString noCommandTip;    // for Pause and Set lr when the running run does not take them
    bool paused = false;
    QString saveTip;         // Save checkpoint's tooltip: what it does, or why it is off
  };
  void setState(const State& state);
  // A stop was asked: Stop is off until the run has ended.
  void stopAsked();

 signals:
  void startRequested();
  void queueRequested();
  void pauseToggled();
  void stopRequested();
  void saveRequested();
  void learningRateRequested(double rate);
  // The Processes box or the hostfile changed.
  void workersChanged();

 private:
  bool runCommandHasFocus() const;
  void syncMenu();
  void chooseHostfile();
  // The Processes box and the hostfile, which are off without MPI.
  void enableWorkers(bool enabled);

  QString m_processesUnavailable;
  QPushButton* m_start = nullptr;
  bool m_focusToStart = false;  // a run command had the focus while the run went on
  QPushButton* m_queue = nullptr;
  bool m_lrEdited = false;  // by the person, not applied yet
  QList<QAction*> m_menuActions;
  QList<QPushButton*> m_menuButtons;  // each action's button
  MemoryEstimateLabel* m_memory = nullptr;
  QPushButton* m_pause = nullptr;
  QPushButton* m_stop = nullptr;
  QSpinBox* m_processes = nullptr;
  QLineEdit* m_hostfile = nullptr;
  QToolButton* m_browseHostfile = nullptr;
  QPushButton* m_save = nullptr;
  QDoubleSpinBox* m_lr = nullptr;
  QPushButton* m_setLr = nullptr;
};
