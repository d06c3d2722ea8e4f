// ExperimentPanel: the Experiment dock. A preset chooser, with the matching
// preset's description under it, over the ArgsForm that holds the arguments;
// and the File menu's actions on them: Open and Save experiment (JSON files,
// ExperimentIo; the dialogs start in the folder of the last file opened or
// saved), Copy command line (fitbench-cli's, onto the clipboard) and Paste
// command line. While a run goes on the experiment is fixed: the form is
// read-only, and nothing replaces its arguments. What the core can tell is
// wrong before a start (missing paths, GPUs this machine lacks) is marked in
// the form as the arguments change.
#pragma once

#include <QString>
#include <QWidget>

#include "fitbench/fit_args.h"

class ArgsForm;
class QAction;
class QComboBox;
class QLabel;
class QMenu;

class ExperimentPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ExperimentPanel(QWidget* parent = nullptr);

  ArgsForm* form() const { return m_form; }
  // The arguments as the form holds them (each field's last valid value).
  fitbench::FitArgs args() const;
  void setArgs(const fitbench::FitArgs& args);
  void setRunInProgress(bool running);

  // Open / Save experiment, then Copy / Paste command line.
  void addFileActions(QMenu* menu) const;

  // What the File actions do, without their dialogs. Each returns "" on
  // success, else the one-line error the action shows in a message box.
  QString openExperiment(const QString& path);
  QString saveExperiment(const QString& path) const;
  QString pasteCommandLine(const QString& line);
  // The equivalent fitbench-cli command line, also put on the clipboard.
  QString copyCommandLine() const;
  // Fills the form with the preset of that name; false if there is none.
  bool applyPreset(const QString& name);
  // fitbench::start_problems() of the arguments now, marked in the form (as
  // after every change): their messages, empty when the run can start.
  QStringList checkStart();

 signals:
  // args() changed, or setArgs() gave them again.
  void argsChanged();
  // For the window's status bar.
  void statusMessage(const QString& message, int timeoutMs);

 private:
  void onFormArgsChanged();
  void openExperimentDialog();
  void saveExperimentDialog();
  void pasteCommandLineDialog();
  // Copy command line from the menu: copies, and says what the line cannot hold.
  void copyCommandLineFromMenu();

  ArgsForm* m_form = nullptr;
  QComboBox* m_presetCombo = nullptr;
  QLabel* m_presetDescription = nullptr;
  QAction* m_openAction = nullptr;
  QAction* m_saveAction = nullptr;
  QAction* m_copyAction = nullptr;
  QAction* m_pasteAction = nullptr;
  QString m_lastDir;  // of the last experiment file opened or saved
  bool m_runInProgress = false;
};
