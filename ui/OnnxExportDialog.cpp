#include "OnnxExportDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "ToolTip.h"
#include "fitbench/checkpoint.h"
#include "fitbench/fit_config.h"
#include "fitbench/fit_data.h"
#include "fitbench/onnx_export.h"

OnnxExportDialog::OnnxExportDialog(const OnnxExportChoice& choice, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Export to ONNX"));
  m_path = new QLineEdit(choice.path, this);
  m_path->setObjectName(QStringLiteral("onnxPath"));
  auto* browseButton = new QPushButton(tr("Browse…"), this);
  auto* pathRow = new QHBoxLayout;
  pathRow->addWidget(m_path, 1);
  pathRow->addWidget(browseButton);

  m_opset = new QSpinBox(this);
  m_opset->setRange(13, fitbench::max_onnx_opset());
  m_opset->setValue(choice.opset);
  m_opset->setToolTip(wrappedToolTip(
      tr("The ONNX operator set: 13 runs on the most runtimes. ONNX's checker reads the file up to opset %1, "
         "the newest the ONNX library of this build knows.")
          .arg(fitbench::max_checked_onnx_opset())));
  m_dynamicBatch = new QCheckBox(tr("Any batch size"), this);
  m_dynamicBatch->setChecked(choice.dynamicBatch);
  m_dynamicBatch->setToolTip(
      wrappedToolTip(tr("A symbolic first dimension 'batch'; otherwise the model takes one image at a time.")));
  m_preprocessing = new QCheckBox(tr("Takes raw pixels (normalisation inside the model)"), this);
  m_preprocessing->setChecked(choice.includePreprocessing);
  m_preprocessing->setToolTip(
      wrappedToolTip(tr("The input is 'pixels', 0 to 255 in the run's channels (one gray channel for idx data, RGB "
                        "for color images), normalised as the run read its data; otherwise it is 'data', already "
                        "normalised.")));

  auto* note = new QLabel(tr("The ONNX model computes what this checkpoint computes at inference: BatchNorm with its "
                             "moving statistics, Dropout passing values through, the softmax as probabilities. "
                             "The file is checked with ONNX's checker before it is written (up to opset %1).")
                              .arg(fitbench::max_checked_onnx_opset()),
                          this);
  note->setWordWrap(true);

  m_problem = new QLabel(this);
  m_problem->setObjectName(QStringLiteral("onnxExportProblem"));
  m_problem->setWordWrap(true);
  m_problem->setStyleSheet(QStringLiteral("color: #c62828"));  // the form's error red
  m_problem->hide();

  auto* opsetRow = new QHBoxLayout;  // a two-digit number needs no full row
  opsetRow->addWidget(m_opset);
  opsetRow->addStretch(1);
  auto* form = new QFormLayout;
  form->addRow(tr("File:"), pathRow);
  form->addRow(tr("Opset:"), opsetRow);
  form->addRow(QString(), m_dynamicBatch);
  form->addRow(QString(), m_preprocessing);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
  connect(m_path, &QLineEdit::textChanged, buttons->button(QDialogButtonBox::Ok),
          [ok = buttons->button(QDialogButtonBox::Ok)](const QString& text) { ok->setEnabled(!text.trimmed().isEmpty()); });
  connect(m_path, &QLineEdit::textEdited, m_problem, &QLabel::hide);  // the problem was with the old path
  connect(browseButton, &QPushButton::clicked, this, &OnnxExportDialog::browse);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(note);
  layout->addLayout(form);
  layout->addWidget(m_problem);
  layout->addWidget(buttons);
  setMinimumWidth(fontMetrics().averageCharWidth() * 80);  // room for a path
}

void OnnxExportDialog::accept() {
  const QFileInfo target(choice().path);
  QString problem;
  if (!target.absoluteDir().exists())
    problem = tr("The folder %1 does not exist.").arg(QDir::toNativeSeparators(target.absolutePath()));
  else if (target.isDir())
    problem = tr("%1 is a folder: name the file to write.").arg(QDir::toNativeSeparators(target.filePath()));
  m_problem->setText(problem);
  m_problem->setVisible(!problem.isEmpty());
  if (!problem.isEmpty()) {
    adjustSize();  // room for the message without squeezing the rows
    m_path->setFocus();
    m_path->selectAll();
    return;
  }
  if (target.exists() &&
      QMessageBox::question(this, tr("Export to ONNX"),
                            tr("%1 exists. Replace it?").arg(QDir::toNativeSeparators(target.filePath())),
                            QMessageBox::Yes | QMessageBox::No, QMessageBox::No) != QMessageBox::Yes)
    return;
  QDialog::accept();
}

void OnnxExportDialog::browse() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Choose the ONNX file"), m_path->text(),
                                                    tr("ONNX models (*.onnx)"));
  if (!path.isEmpty()) m_path->setText(QDir::toNativeSeparators(path));
}

OnnxExportChoice OnnxExportDialog::choice() const {
  return {QDir::fromNativeSeparators(m_path->text().trimmed()), m_opset->value(), m_dynamicBatch->isChecked(),
          m_preprocessing->isChecked()};
}

QString defaultOnnxPath(const QString& prefix, int epoch) {
  return QStringLiteral("%1-%2.onnx").arg(prefix).arg(epoch, 4, 10, QLatin1Char('0'));
}

OnnxExportResult exportToOnnx(const QString& prefix, int epoch, const std::optional<fitbench::FitArgs>& args,
                              const OnnxExportChoice& choice) {
  const QString target = QDir::toNativeSeparators(choice.path);
  try {
    const fitbench::Checkpoint model = fitbench::load_checkpoint(prefix.toStdString(), epoch);
    fitbench::OnnxExportOptions options;
    options.opset = choice.opset;
    options.dynamic_batch = choice.dynamicBatch;
    options.include_preprocessing = choice.includePreprocessing;
    options.input = fitbench::input_format(fitbench::FitConfig::resolve(args.value_or(fitbench::FitArgs{})));
    const fitbench::OnnxExport written = fitbench::save_onnx(choice.path.toStdString(), model, options);
    return {true, QObject::tr("Exported epoch %1 to %2 (ONNX opset %3, %4 nodes, input '%5').")
                      .arg(epoch)
                      .arg(target)
                      .arg(written.opset)
                      .arg(written.nodes)
                      .arg(QString::fromStdString(written.input.name))};
  } catch (const std::exception& e) {
    // The message names the file (or the layer) at fault.
    return {false, QObject::tr("Cannot export epoch %1: %2").arg(epoch).arg(QString::fromUtf8(e.what()))};
  }
}
