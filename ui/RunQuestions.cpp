#include "RunQuestions.h"

#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QPushButton>

#include <exception>

#include "CheckpointBrowser.h"
#include "fitbench/checkpoint.h"
#include "fitbench/fit.h"
#include "fitbench/fit_config.h"

RunQuestions::CloseChoice RunQuestions::askClose(QWidget* parent, const RunToClose& run) {
  QMessageBox box(QMessageBox::Question, tr("Training is running"),
                  (run.paused ? tr("Epoch %1 of %2 is in progress (paused). Closing ends the run.")
                              : tr("Epoch %1 of %2 is in progress. Closing ends the run."))
                      .arg(run.epoch + 1)
                      .arg(run.numEpochs),
                  QMessageBox::NoButton, parent);
  box.setObjectName(QStringLiteral("closeQuestion"));
  QPushButton* save = nullptr;
  if (run.canSave) {
    const std::string partial = fitbench::partial_prefix(run.modelPrefix);
    const QString file =
        QFileInfo(QString::fromStdString(fitbench::params_path(partial, run.epoch))).fileName();
    box.setInformativeText(
        tr("Stop and save a checkpoint: the weights and optimizer state of epoch %2 so far "
           "are saved as %1 (numbered by the epochs completed, as MXNet's files are), and "
           "the window closes once they are written. Resuming that checkpoint goes on "
           "with the next batch of epoch %2, in the same order.\n\nQuit without saving: the training since the last saved epoch is lost.")
            .arg(file)
            .arg(run.epoch + 1));
    save = box.addButton(tr("Stop and save a checkpoint"), QMessageBox::AcceptRole);
  } else {
    box.setInformativeText(
        run.savesOnlyAtEpochEnds
            ? tr("Worker processes save only at the end of an epoch: quitting loses the training "
                 "since the last saved epoch.")
            : tr("The run has no --model-prefix, so it saves no checkpoints: quitting loses its training."));
  }
  QPushButton* keep = box.addButton(tr("Keep training"), QMessageBox::RejectRole);
  QPushButton* quit = box.addButton(tr("Quit without saving"), QMessageBox::DestructiveRole);
  box.setDefaultButton(save != nullptr ? save : keep);
  box.setEscapeButton(keep);
  box.exec();
  if (box.clickedButton() == quit) return CloseChoice::QuitWithoutSaving;
  if (save != nullptr && box.clickedButton() == save) return CloseChoice::StopAndSave;
  return CloseChoice::KeepTraining;
}

std::optional<RunQuestions::Overwrite> RunQuestions::overwriteOf(const fitbench::FitArgs& args) {
  Overwrite overwrite;
  for (const std::string& file : fitbench::checkpoint_files_overwritten(fitbench::FitConfig::resolve(args)))
    overwrite.files << QDir::toNativeSeparators(QString::fromStdString(file));
  if (overwrite.files.isEmpty()) return std::nullopt;
  overwrite.branch = CheckpointBrowser::branchArguments(args);
  overwrite.branchPrefix = QDir::toNativeSeparators(
      QString::fromStdString(fitbench::FitConfig::resolve(overwrite.branch).model_prefix));
  return overwrite;
}

std::optional<fitbench::FitArgs> RunQuestions::confirmOverwrites(QWidget* parent,
                                                                 const fitbench::FitArgs& args,
                                                                 const AskOverwrite& ask) {
  std::optional<Overwrite> overwrite;
  try {
    overwrite = overwriteOf(args);
  } catch (const std::exception& e) {
    QMessageBox::warning(parent, tr("Start"),
                         tr("Cannot choose a new prefix: %1").arg(QString::fromUtf8(e.what())));
    return std::nullopt;
  }
  if (!overwrite) return args;
  switch (ask(overwrite->files, overwrite->branchPrefix)) {
    case OverwriteChoice::Branch:
      return overwrite->branch;
    case OverwriteChoice::Overwrite:
      return args;
    case OverwriteChoice::Cancel:
      break;
  }
  return std::nullopt;
}

RunQuestions::OverwriteChoice RunQuestions::askOverwrite(QWidget* parent, const QStringList& files,
                                                         const QString& branchPrefix) {
  // The files share the prefix's directory: it is named once, the files by name.
  constexpr int kListed = 12;  // the rest are in the details
  QStringList names;
  for (const QString& file : files.mid(0, kListed)) names << QFileInfo(file).fileName();
  QString listed = names.join(QStringLiteral(", "));
  if (files.size() > kListed) listed += tr(" and %n more (Show Details…)", nullptr, files.size() - kListed);
  QMessageBox box(QMessageBox::Warning, tr("Saved checkpoints would be overwritten"),
                  tr("This run would write over %n saved file(s) in %1:", nullptr, files.size())
                      .arg(QDir::toNativeSeparators(QFileInfo(files.first()).absolutePath())),
                  QMessageBox::NoButton, parent);
  box.setObjectName(QStringLiteral("overwriteQuestion"));
  box.setInformativeText(listed +
                         tr("\n\nBranch into a new prefix: the run saves under\n%1\ninstead (the form "
                            "shows it), and these files stay as they are.\n\nOverwrite: the run "
                            "replaces them as it saves its epochs.")
                             .arg(branchPrefix));
  if (files.size() > kListed) box.setDetailedText(files.join(QLatin1Char('\n')));
  QPushButton* branch = box.addButton(tr("Branch into a new prefix"), QMessageBox::AcceptRole);
  QPushButton* overwrite = box.addButton(tr("Overwrite"), QMessageBox::DestructiveRole);
  box.addButton(QMessageBox::Cancel);
  box.setDefaultButton(branch);
  box.exec();
  if (box.clickedButton() == branch) return OverwriteChoice::Branch;
  if (box.clickedButton() == overwrite) return OverwriteChoice::Overwrite;
  return OverwriteChoice::Cancel;
}
