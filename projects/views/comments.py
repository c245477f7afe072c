"""Comment pages: a record's thread (its own page, and the region on the record's page), a new
comment, an edit, a deletion.

Every page opens the project through the door first (a non-member gets 404 whatever the method;
a viewer reads but does not write, a closed project is read-only), then the record, which must
be of that project (another project's id is a 404 like an unknown one). With htmx a write sends
back the thread, which replaces the one on the page; without JavaScript it redirects to the
record's page, or answers the form again with its error (400).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from projects import services
from projects.comments import Thread, commented_record, comments_on, thread_for
from projects.forms import CommentForm
from projects.models import Comment, Project
from projects.views.base import READ_WRITE, WRITE, door
from projects.views.editing import form_write

THREAD = "projects/comment_thread.html"
PAGE = "projects/comment_list.html"
EDIT = "projects/comment_form.html"


@login_required
def comment_thread(request: HttpRequest, pk: int, resource: str, record_pk: int) -> HttpResponse:
    """A record's comments, oldest first, and the form for a new one (POST adds it)."""
    project, refused = door(request, pk, READ_WRITE)
    if refused:
        return refused
    kind, record = commented_record(project, resource, record_pk)
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        comment = form_write(
            form,
            services.comment_create,
            project=project,
            record=record,
            by=request.user,
            body=form.cleaned_data["body"],
        )
        if comment:
            return _written(request, _thread(request, project, kind, record), comment)
    thread = _thread(request, project, kind, record, form=form)
    return _answer(request, thread, refused=request.method == "POST")


@login_required
def comment_edit(
    request: HttpRequest, pk: int, resource: str, record_pk: int, comment_pk: int
) -> HttpResponse:
    """Edit one's own comment: in place on the thread with htmx, else on a page of its own."""
    project, refused = door(request, pk, READ_WRITE, form=True)
    if refused:
        return refused
    kind, record = commented_record(project, resource, record_pk)
    comment = _comment_of(record, comment_pk)
    if comment.author_id != request.user.pk or comment.is_deleted:
        raise PermissionDenied("Only its author can edit a comment, and not once it is deleted.")
    form = CommentForm(
        request.POST or None,
        initial={"body": comment.body, "version": comment.version},
        auto_id="edit_%s",  # beside the new comment's form on the thread: ids of its own
    )
    if request.method == "POST" and form.is_valid():
        saved = form_write(
            form,
            services.comment_update,
            comment=comment,
            by=request.user,
            version=form.cleaned_data["version"],
            body=form.cleaned_data["body"],
        )
        if saved:
            return _written(request, _thread(request, project, kind, record), saved)
    status = 400 if request.method == "POST" else 200
    if request.htmx:
        thread = _thread(request, project, kind, record, editing=comment.pk, edit_form=form)
        return render(request, THREAD, {"thread": thread, "project": project})
    context = {"project": project, "area": "", "thread": _bare(project, kind, record)}
    context |= {"comment": comment, "form": form}
    return render(request, EDIT, context, status=status)


@login_required
def comment_delete(
    request: HttpRequest, pk: int, resource: str, record_pk: int, comment_pk: int
) -> HttpResponse:
    """Delete a comment (its author, or a manager): the thread shows where it was."""
    project, refused = door(request, pk, WRITE)
    if refused:
        return refused
    kind, record = commented_record(project, resource, record_pk)
    comment = _comment_of(record, comment_pk)
    services.comment_delete(comment=comment, by=request.user)
    return _written(request, _thread(request, project, kind, record), comment)


def _thread(request: HttpRequest, project: Project, kind, record, **extra) -> Thread:
    """The thread as the reader sees it, with an empty form for a new comment unless given."""
    extra.setdefault("form", CommentForm())
    return thread_for(project, kind, record, request.user, **extra)


def _comment_of(record, comment_pk: int) -> Comment:
    return get_object_or_404(comments_on(record), pk=comment_pk)


def _bare(project: Project, kind, record) -> Thread:
    """A thread without its comments, for the links of a page that shows one comment."""
    return Thread(project=project, kind=kind, record=record, comments=[], can_comment=False)


def _written(request: HttpRequest, thread: Thread, comment: Comment) -> HttpResponse:
    """After a write: the fresh thread for htmx, else back to where the record is read."""
    if request.htmx:
        return render(request, THREAD, {"thread": thread, "project": thread.project})
    return redirect(f"{thread.home}#comment-{comment.pk}")


def _answer(request: HttpRequest, thread: Thread, *, refused: bool) -> HttpResponse:
    """The thread: alone for htmx (a refused comment shows its error in place), else its page
    (400 when a comment was refused)."""
    if request.htmx:
        return render(request, THREAD, {"thread": thread, "project": thread.project})
    context = {"project": thread.project, "area": "", "thread": thread}
    return render(request, PAGE, context, status=400 if refused else 200)
