#include "ExperimentPanel.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QVBoxLayout>

#include <optional>
#include <string>

#include "ArgsForm.h"
#include "ExperimentIo.h"
#include "ExperimentPresets.h"
#include "fitbench/error.h"
#include "fitbench/fit.h"
#include "fitbench/fit_config.h"

namespace {

QAction* fileAction(const QString& text, const char* name, const QKeySequence& shortcut, QObject* parent) {
  auto* action = new QAction(text, parent);
  action->setObjectName(QString::fromLatin1(name));
  action->setShortcut(shortcut);
  return action;
}

}  // namespace

ExperimentPanel::ExperimentPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);

  auto* presetRow = new QHBoxLayout;
  auto* presetLabel = new QLabel(tr("&Preset:"), this);
  m_presetCombo = new QComboBox(this);
  m_presetCombo->setObjectName(QStringLiteral("presetCombo"));
  // Narrower than the longest preset name when the panel is; the list shows them whole.
  m_presetCombo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  m_presetCombo->setMinimumContentsLength(12);
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

  m_presetDescription = new QLabel(this);
  m_presetDescription->setObjectName(QStringLiteral("presetDescription"));
  m_presetDescription->setWordWrap(true);
  m_presetDescription->setTextFormat(Qt::PlainText);
  QFont small = m_presetDescription->font();
  small.setPointSizeF(small.pointSizeF() * 0.9);
  m_presetDescription->setFont(small);
  m_presetDescription->hide();
  layout->addWidget(m_presetDescription);

  m_form = new ArgsForm(this);
  layout->addWidget(m_form, 1);
  connect(m_form, &ArgsForm::argsChanged, this, &ExperimentPanel::onFormArgsChanged);

  m_openAction = fileAction(tr("&Open experiment…"), "openExperimentAction", QKeySequence::Open, this);
  m_saveAction = fileAction(tr("&Save experiment…"), "saveExperimentAction", QKeySequence::Save, this);
  m_copyAction =
      fileAction(tr("&Copy command line"), "copyCommandLineAction", QKeySequence(tr("Ctrl+Shift+C")), this);
  m_pasteAction = fileAction(tr("&Paste command line…"), "pasteCommandLineAction",
                             QKeySequence(tr("Ctrl+Shift+V")), this);
  connect(m_openAction, &QAction::triggered, this, &ExperimentPanel::openExperimentDialog);
  connect(m_saveAction, &QAction::triggered, this, &ExperimentPanel::saveExperimentDialog);
  connect(m_copyAction, &QAction::triggered, this, &ExperimentPanel::copyCommandLineFromMenu);
  connect(m_pasteAction, &QAction::triggered, this, &ExperimentPanel::pasteCommandLineDialog);
}

void ExperimentPanel::addFileActions(QMenu* menu) const {
  menu->addAction(m_openAction);
  menu->addAction(m_saveAction);
  menu->addSeparator();
  menu->addAction(m_copyAction);
  menu->addAction(m_pasteAction);
}

fitbench::FitArgs ExperimentPanel::args() const { return m_form->args(); }

void ExperimentPanel::setArgs(const fitbench::FitArgs& args) {
  m_form->setArgs(args);
  // Also when the form had these arguments already, so argsChanged() is sure to follow.
  onFormArgsChanged();
}

void ExperimentPanel::setRunInProgress(bool running) {
  m_runInProgress = running;
  m_form->setReadOnly(running);
  m_presetCombo->setEnabled(!running);
  m_openAction->setEnabled(!running);
  m_pasteAction->setEnabled(!running);
}

void ExperimentPanel::onFormArgsChanged() {
  const ExperimentPresets::Preset* preset = ExperimentPresets::matching(m_form->args());
  m_presetCombo->setCurrentIndex(preset == nullptr ? 0 : m_presetCombo->findText(preset->name));
  m_presetDescription->setText(preset == nullptr ? QString() : preset->description);
  m_presetDescription->setVisible(preset != nullptr);
  checkStart();
  emit argsChanged();
}

QStringList ExperimentPanel::checkStart() {
  m_form->setStartProblems(fitbench::start_problems(fitbench::FitConfig::resolve(m_form->args())));
  return m_form->startProblems();
}

QString ExperimentPanel::openExperiment(const QString& path) {
  if (m_runInProgress) return tr("Cannot open an experiment while training runs");
  QString error;
  const std::optional<fitbench::FitArgs> args = ExperimentIo::loadJson(path, &error);
  if (!args) return error;
  setArgs(*args);
  m_lastDir = QFileInfo(path).absolutePath();
  return {};
}

QString ExperimentPanel::saveExperiment(const QString& path) const {
  return ExperimentIo::saveJson(path, m_form->args());
}

QString ExperimentPanel::pasteCommandLine(const QString& line) {
  if (m_runInProgress) return tr("Cannot change the experiment while training runs");
  try {
    setArgs(ExperimentIo::parseCommandLine(line));
  } catch (const fitbench::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

QString ExperimentPanel::copyCommandLine() const {
  const QString line = ExperimentIo::commandLine(m_form->args());
  QGuiApplication::clipboard()->setText(line);
  return line;
}

bool ExperimentPanel::applyPreset(const QString& name) {
  const ExperimentPresets::Preset* preset = ExperimentPresets::find(name);
  if (preset == nullptr || m_runInProgress) return false;
  setArgs(preset->args);
  return true;
}

void ExperimentPanel::openExperimentDialog() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open experiment"), m_lastDir,
                                                    tr("Experiments (*.json);;All files (*)"));
  if (path.isEmpty()) return;
  const QString error = openExperiment(path);
  if (!error.isEmpty())
    QMessageBox::warning(this, tr("Open experiment"), error);
  else
    emit statusMessage(tr("Opened %1").arg(QDir::toNativeSeparators(path)), 3000);
}

void ExperimentPanel::saveExperimentDialog() {
  if (!m_form->isValid()) {
    const auto answer =
        QMessageBox::question(this, tr("Save experiment"),
                              tr("%1\n\nSave the experiment with the last valid value of each invalid field?")
                                  .arg(m_form->errors().join(QLatin1Char('\n'))));
    if (answer != QMessageBox::Yes) return;
  }
  QString suggestion = m_lastDir.isEmpty() ? QDir::currentPath() : m_lastDir;
  const std::string network = fitbench::FitConfig::resolve(m_form->args()).network;
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
  emit statusMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 3000);
}

void ExperimentPanel::pasteCommandLineDialog() {
  bool ok = false;
  const QString line = QInputDialog::getMultiLineText(
      this, tr("Paste command line"),
      tr("A fit.py, train_mnist.py or fitbench-cli command line; it replaces the form's arguments:"),
      QGuiApplication::clipboard()->text(), &ok);
  if (!ok || line.trimmed().isEmpty()) return;
  const QString error = pasteCommandLine(line);
  if (!error.isEmpty()) QMessageBox::warning(this, tr("Paste command line"), error);
}

void ExperimentPanel::copyCommandLineFromMenu() {
  copyCommandLine();
  const QStringList unwritable = ExperimentIo::unwritableArgs(m_form->args());
  if (unwritable.isEmpty())
    emit statusMessage(tr("Copied the fitbench-cli command line to the clipboard"), 5000);
  else
    emit statusMessage(tr("Copied the command line; it cannot say None, so --%1 keep fitbench-cli's "
                          "defaults")
                           .arg(unwritable.join(QStringLiteral(", --"))),
                       10000);
}
