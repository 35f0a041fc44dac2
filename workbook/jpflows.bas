Attribute VB_Name = "jpflows"
' The template's buttons, and the hooks its JP_* wrappers (module xlwings_udfs) call.
'
' Each button runs its own function of the workbook's Python module, which xlwings names after
' the workbook (Monitor.xlsm runs Monitor.py): Refresh runs refresh_button(), Snapshot runs
' snapshot_button(). Nothing has to guess which button was pressed.
Option Explicit

Public Sub JpflowsRefresh()
    If FunctionsMissing() Then
        If Not ImportFunctions() Then Exit Sub
    End If
    RunPython PythonCall("refresh_button")
End Sub

Public Sub JpflowsSnapshot()
    RunPython PythonCall("snapshot_button")
End Sub

' "import Monitor; Monitor.refresh_button()" for Monitor.xlsm.
Private Function PythonCall(ByVal entry As String) As String
    Dim bookModule As String
    bookModule = ThisWorkbook.Name
    If InStrRev(bookModule, ".") > 0 Then bookModule = Left$(bookModule, InStrRev(bookModule, ".") - 1)
    PythonCall = "import " & bookModule & "; " & bookModule & "." & entry & "()"
End Function

' True when a JP_ formula shows #NAME?: the workbook lacks the JP_* wrappers.
Private Function FunctionsMissing() As Boolean
    Dim page As Worksheet, failing As Range, target As Range
    For Each page In ThisWorkbook.Worksheets
        Set failing = Nothing
        On Error Resume Next ' SpecialCells raises an error when no cell matches
        Set failing = page.UsedRange.SpecialCells(xlCellTypeFormulas, xlErrors)
        On Error GoTo 0
        If Not failing Is Nothing Then
            For Each target In failing.Cells
                If target.Value = CVErr(xlErrName) Then
                    If InStr(1, target.Formula, "JP_", vbTextCompare) > 0 Then
                        FunctionsMissing = True
                        Exit Function
                    End If
                End If
            Next target
        End If
    Next page
End Function

' Writes the JP_* wrappers with xlwings' own import; False when Excel does not allow it.
Private Function ImportFunctions() As Boolean
#If Mac Then
    MsgBox "Some JP_ formulas show #NAME?. xlwings runs worksheet functions only in Excel for " & _
           "Windows: open this workbook there and press Refresh once.", vbExclamation, "jpflows"
    ImportFunctions = True
#Else
    If Not ProjectAccessTrusted() Then
        MsgBox TrustMessage(), vbExclamation, "jpflows"
        Exit Function
    End If
    ImportPythonUDFs
    ImportFunctions = True
#End If
End Function

' Adding a module needs Excel's "Trust access to the VBA project object model".
Private Function ProjectAccessTrusted() As Boolean
    Dim components As Long
    On Error Resume Next
    components = ThisWorkbook.VBProject.VBComponents.Count
    ProjectAccessTrusted = (Err.Number = 0)
    On Error GoTo 0
End Function

Private Function TrustMessage() As String
    TrustMessage = "Some JP_ formulas show #NAME?: this workbook has to add its JP_ functions, " & _
        "and Excel does not allow it while ""Trust access to the VBA project object model"" " & _
        "is off." & vbCrLf & vbCrLf & _
        "Windows: File > Options > Trust Center > Trust Center Settings > Macro Settings." & vbCrLf & _
        "Mac: Excel > Preferences > Security." & vbCrLf & vbCrLf & _
        "Tick ""Trust access to the VBA project object model"", click OK, then press Refresh again."
End Function

' Each JP_* wrapper passes its result here: the bare text "#N/A" (JPFLOWS_ERRORS=errors)
' becomes Excel's own #N/A, which IFERROR and ISNA catch; JP_ERROR(cell) tells the reason.
Public Function JpflowsCell(ByVal result As Variant) As Variant
    If VarType(result) = vbString Then
        If result = "#N/A" Then
            JpflowsCell = CVErr(xlErrNA)
            Exit Function
        End If
    End If
    JpflowsCell = result
End Function

' Each JP_* wrapper passes here the message of a call that never reached Python.
Public Function JpflowsFailure(ByVal reason As String) As Variant
#If Mac Then
    JpflowsFailure = "#N/A JP_ functions run in Excel for Windows (xlwings worksheet functions)"
#Else
    JpflowsFailure = reason
#End If
End Function
