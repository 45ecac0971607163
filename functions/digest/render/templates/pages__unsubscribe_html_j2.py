# unsubscribe.html.j2 compiled by digest.render.precompiled (`make templates`): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'unsubscribe.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    pass
    parent_template = environment.get_template('page.html.j2', 'unsubscribe.html.j2')
    for name, parent_block in parent_template.blocks.items():
        context.blocks.setdefault(name, []).append(parent_block)
    yield from parent_template.root_render_func(context)

def block_content(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_token = resolve('token')
    pass
    yield '\n<p>Press the button and you will get no more digests.</p>\n<form method="post" action="'
    yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
    yield '">\n<input type="hidden" name="List-Unsubscribe" value="One-Click">\n<button type="submit">Unsubscribe</button>\n</form>\n<p class="note">Too much mail? The preferences link at the foot of each digest lets you choose the sections you want instead.</p>\n'

blocks = {'content': block_content}
debug_info = '1=12&2=17&4=27'

SOURCE_SHA256 = '061af32f2a7be9e71c467eb286b4dd9de9c331c1d4030c6192d8b03ae5921b1c'
