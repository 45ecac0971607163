# zones.html.j2 compiled by digest.render.precompiled (`make templates`): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'zones.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_zones = resolve('zones')
    pass
    yield '<datalist id="zones">'
    for l_1_zone in (undefined(name='zones') if l_0_zones is missing else l_0_zones):
        _loop_vars = {}
        pass
        yield '<option value="'
        yield escape(l_1_zone)
        yield '">'
    l_1_zone = missing
    yield '</datalist>'

blocks = {}
debug_info = '1=13'

SOURCE_SHA256 = 'beb5a5d4d8213d7c7586af5f02a85bb7068b1377ac43b239a60a9e702f83d620'
